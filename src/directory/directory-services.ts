import { AssignmentGate } from '../access/assignment-gate.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Redis } from '../db/redis.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import { LogoutQueue } from '../logout/logout-queue.js';
import { notifyAppsOfEndingSessions } from '../logout/notify-apps.js';
import type { AdapterFactory } from '../provider/adapters/index.js';
import { createAccountSessions, type AccountSessions } from './account-sessions.js';
import { AppAssignmentService } from './app-assignment-service.js';
import { AssignmentsRepository } from './assignments-repository.js';
import { DirectoryUsers } from './directory-users.js';
import { GroupService } from './group-service.js';
import { GroupsRepository } from './groups-repository.js';
import { Ownership } from './ownership.js';
import { Sponsors } from './sponsors.js';
import { UserLifecycle } from './user-lifecycle.js';
import type { UsersRepository } from './users-repository.js';

export interface DirectoryServices {
  groups: GroupsRepository;
  /** Group changes with their audit entries (the admin console). */
  groupService: GroupService;
  assignments: AssignmentsRepository;
  directory: DirectoryUsers;
  sessions: AccountSessions;
  lifecycle: UserLifecycle;
  ownership: Ownership;
  appAssignments: AppAssignmentService;
  gate: AssignmentGate;
  sponsors: Sponsors;
}

/** The directory's repositories and services, built the same way by the server and the CLI. */
export function createDirectoryServices(deps: {
  db: Database;
  redis?: Redis;
  config: Pick<FoyerConfig, 'apps' | 'delegatedManagement'>;
  users: UsersRepository;
  audit: AuditLog;
  adapters: AdapterFactory;
  logger?: Logger;
  /** When assignments end at the gate; the shared services' clock (the system clock by default). */
  clock?: Clock;
}): DirectoryServices {
  const { db, config, users, audit, logger } = deps;
  const groups = new GroupsRepository(db);
  const assignments = new AssignmentsRepository(db, deps.clock);
  const directory = new DirectoryUsers(db);
  // Ending a user's sessions queues the logout tokens their apps are owed (src/logout/).
  const sessions = createAccountSessions({ db, redis: deps.redis, adapters: deps.adapters, onEnding: notifyAppsOfEndingSessions(config.apps, new LogoutQueue(db)) });
  return {
    groups,
    groupService: new GroupService({ db, groups, assignments, users, audit }),
    assignments,
    directory,
    sessions,
    lifecycle: new UserLifecycle({ db, users, directory, audit, sessions, logger }),
    ownership: new Ownership({ apps: config.apps, delegation: config.delegatedManagement, groups }),
    appAssignments: new AppAssignmentService({ db, apps: config.apps, assignments, users, groups, audit, sessions, logger }),
    gate: new AssignmentGate(config.apps, assignments),
    sponsors: new Sponsors({ db, audit }),
  };
}
