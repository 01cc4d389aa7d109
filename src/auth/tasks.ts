/**
 * VCD tasks. VCD runs org and user creation, changes and deletion as tasks, and its clients wait on them
 * (govcd's `Task.WaitTaskCompletion` polls `GET /api/task/{id}` until the status is no longer queued or
 * running). Tessera runs these operations synchronously, inside the request, so the task it hands out is
 * already finished; it is still a real row, readable and listed, and kept for `TASK_RETENTION_MS`.
 *
 * A refusal (any 4xx: bad input, a name taken, not allowed) happens before the work and is answered directly,
 * as VCD answers validation errors: no task. A failure during the work is recorded as a task in `error`.
 */
import { randomUUID } from 'node:crypto';
import type { Store, TaskRow } from '../store/store.js';
import type { Principal } from '../domain/principal.js';
import { TesseraError } from '../domain/errors.js';

/** How long a finished task stays readable: VCD's default task retention is 30 days. */
export const TASK_RETENTION_MS = 30 * 24 * 60 * 60_000;

export type TaskStatus = 'queued' | 'running' | 'success' | 'error';

export interface TaskOwner {
  /** What the task is about: an org (its AdminOrg), a user, a catalog (its AdminCatalog), a vApp or a VDC (its AdminVdc). */
  kind: 'org' | 'user' | 'catalog' | 'vapp' | 'vdc';
  id: string;
  name: string;
}

export interface TaskSpec<T> {
  /** Short name of the operation (`orgCreate`, `userDelete`, ...). */
  operationName: string;
  /** What happened, in words (VCD's `operation` attribute). */
  operation: (result: T) => string;
  /** The org the task is about: whose task list shows it. */
  org: (result: T) => { id: string; name: string };
  /** The entity the task is about (VCD's `Owner`). */
  owner: (result: T) => TaskOwner;
  actor: Principal;
}

export class TaskService {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /**
   * Runs the operation and records its task: success, or, for a failure that is not a refusal, error. `before`
   * is the entity as it was (update, delete): what an error task is about. A creation that fails has no entity
   * to name, so it leaves no task (the error answers the request).
   */
  async run<T>(spec: TaskSpec<T>, work: () => Promise<T>, before?: T): Promise<{ result: T; task: TaskRow }> {
    const startedAt = Date.now();
    let result: T;
    try {
      result = await work();
    } catch (err) {
      const error =
        err instanceof TesseraError ? err : new TesseraError('INTERNAL_SERVER_ERROR', 'The operation failed; nothing more is known');
      if (error.status < 500 || before === undefined) throw err;
      await this.insert(spec, before, startedAt, { status: 'error', error });
      throw err;
    }
    return { result, task: await this.insert(spec, result, startedAt, { status: 'success' }) };
  }

  get(id: string): Promise<TaskRow | undefined> {
    return this.store.getTask(id);
  }

  private insert<T>(
    spec: TaskSpec<T>,
    subject: T,
    startedAt: number,
    outcome: { status: 'success' } | { status: 'error'; error: { minorErrorCode: string; status: number; message: string } },
  ): Promise<TaskRow> {
    const endedAt = Date.now();
    const org = spec.org(subject);
    const owner = spec.owner(subject);
    const failed = outcome.status === 'error' ? outcome.error : null;
    return this.store.insertTask({
      id: randomUUID(),
      org_id: org.id,
      org_name: org.name,
      status: outcome.status,
      operation_name: spec.operationName,
      operation: spec.operation(subject),
      progress: 100,
      owner_kind: owner.kind,
      owner_id: owner.id,
      owner_name: owner.name,
      user_id: spec.actor.userId,
      user_name: spec.actor.userName,
      user_kind: spec.actor.kind === 'service_account' ? 'service_account' : null,
      user_org_id: spec.actor.orgId,
      user_org_name: spec.actor.orgName,
      error_code: failed?.minorErrorCode ?? null,
      error_status: failed?.status ?? null,
      error_message: failed?.message ?? null,
      started_at: startedAt,
      ended_at: endedAt,
      expires_at: endedAt + TASK_RETENTION_MS,
    });
  }
}
