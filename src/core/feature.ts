import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Job } from './scheduler.js';

/**
 * What a feature module adds to a running node (each folder that serves requests or runs jobs
 * exports one `wire<Feature>(…)` returning this, plus the services other features use). The
 * composition root lists features in request order: their middleware runs in that order on every
 * request, then the first router whose paths match answers (mount-routers.ts).
 */
export interface Feature {
  /** Runs on every request, before any router: budgets, logging around the protocol endpoints. */
  middleware?: Middleware[];
  routers?: Router[];
  /** Background work on this node (scheduler.ts). */
  jobs?: Job[];
}
