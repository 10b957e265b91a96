import { Global, Injectable, Module } from '@nestjs/common';
import { AppException } from '../errors/app.exception';
import { AppConfig } from '../../config/app-config';
import { AccessRules, Action, Actor, can, Checks } from './access.policy';

/** The access table (access.policy.ts) with the rules configuration gives it, for services to ask. */
@Injectable()
export class AccessPolicy {
  readonly rules: AccessRules;

  constructor(config: AppConfig) {
    this.rules = { deleteMinRole: config.userDeleteMinRole };
  }

  can<A extends Action>(actor: Actor, action: A, target: Checks[A]): boolean {
    return can(actor, action, target, this.rules);
  }

  /** 40301 unless the actor may. */
  assert<A extends Action>(actor: Actor, action: A, target: Checks[A]): void {
    if (!can(actor, action, target, this.rules)) throw AppException.forbidden();
  }
}

@Global()
@Module({ providers: [AccessPolicy], exports: [AccessPolicy] })
export class PoliciesModule {}
