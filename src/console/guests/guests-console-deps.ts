import type { AppConfig } from '../../config/apps-schema.js';
import type { Database } from '../../db/connect.js';
import type { AppAssignmentService } from '../../directory/app-assignment-service.js';
import type { AssignmentsRepository } from '../../directory/assignments-repository.js';
import type { AccountSessions } from '../../directory/account-sessions.js';
import type { GroupsRepository } from '../../directory/groups-repository.js';
import type { IdentitiesRepository } from '../../directory/identities-repository.js';
import type { Sponsors } from '../../directory/sponsors.js';
import type { UserLifecycle } from '../../directory/user-lifecycle.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import type { PageRenderer } from '../../http/render.js';
import type { InvitationService } from '../../invitations/invitation-service.js';
import type { PartnerDirectory } from '../../partners/partner-directory.js';
import type { GuestCursorCodec } from './guest-list-cursor.js';
import type { GuestListQuery } from './guest-list-query.js';
import type { SessionHandles } from './session-handles.js';

/** What the guests section of the console reads and acts through (the API's services). */
export interface GuestsConsoleDeps {
  db: Database;
  apps: AppConfig[];
  myAppsUrl: string;
  users: UsersRepository;
  identities: IdentitiesRepository;
  groups: GroupsRepository;
  sponsors: Sponsors;
  sessions: AccountSessions;
  invitations: InvitationService;
  lifecycle: UserLifecycle;
  appAssignments: AppAssignmentService;
  assignments: AssignmentsRepository;
  renderer: PageRenderer;
  idpNames: Map<string, string>;
  partners: PartnerDirectory;
  query: GuestListQuery;
  cursors: GuestCursorCodec;
  sessionHandles: SessionHandles;
}
