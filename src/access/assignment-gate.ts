import type { AppConfig } from '../config/apps-schema.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';

/** Who may use which app: Entra's "assignment required" switch, per app in config. */
export class AssignmentGate {
  private readonly apps: Map<string, AppConfig>;

  constructor(
    apps: AppConfig[],
    private readonly assignments: AssignmentsRepository,
  ) {
    this.apps = new Map(apps.map((a) => [a.id, a]));
  }

  /** The app with this client id when it requires assignment, else undefined (Foyer's own clients too). */
  restricted(clientId: string): AppConfig | undefined {
    const app = this.apps.get(clientId);
    return app?.assignmentRequired ? app : undefined;
  }

  /** True when the user may sign in to the app: it is open to all, or they are assigned directly or by group. */
  async allows(clientId: string, userId: string): Promise<boolean> {
    const app = this.restricted(clientId);
    return !app || this.assignments.isUserAssigned(app.id, userId);
  }

  /**
   * The apps to show a user on My Apps, in config order: apps they can launch (a launch URL and a
   * sign-in flow) that are open to all or assigned to them.
   */
  async appsFor(userId: string): Promise<AppConfig[]> {
    const assigned = await this.assignments.appIdsForUser(userId);
    return [...this.apps.values()].filter(
      (a) => a.launchUrl && a.grantTypes.includes('authorization_code') && (!a.assignmentRequired || assigned.has(a.id)),
    );
  }
}
