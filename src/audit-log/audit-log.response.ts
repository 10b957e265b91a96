import { ApiProperty } from '@nestjs/swagger';
import { Actor, can } from '../common/policies/access.policy';
import type { AuditDetails, AuditLog } from './audit-log.entity';
import { AUDIT_OPERATION_NAMES, AuditOperation } from './audit-operation';

export class AuditLogResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The user the record is about' })
  user!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 45, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 512 })
  user_agent!: string | null;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 32767,
    example: 0,
    description: 'Operation code (see operation_name); new codes are added at the end',
  })
  operation!: number;

  @ApiProperty({ enum: [...Object.values(AUDIT_OPERATION_NAMES), 'unknown'], example: 'login' })
  operation_name!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who acted (the user themself for login and logout)' })
  operator!: string | null;

  @ApiProperty({ format: 'date-time' })
  operate_time!: string;

  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'Facts about the change (field names, from/to), never secrets',
  })
  details!: AuditDetails | null;

  /**
   * The network address and browser only for viewers who may see them (staff, or the one who acted):
   * a user reading their own records does not see those of staff who acted on them.
   */
  static from(row: AuditLog, viewer: Actor): AuditLogResponse {
    const client = can(viewer, 'audit.read-client', { operatorId: row.operatorId });
    return Object.assign(new AuditLogResponse(), {
      id: row.id,
      user: row.userId,
      ip: client ? row.ip : null,
      user_agent: client ? row.userAgent : null,
      operation: row.operation,
      operation_name: AUDIT_OPERATION_NAMES[row.operation as AuditOperation] ?? 'unknown',
      operator: row.operatorId,
      operate_time: row.operateTime.toISOString(),
      details: row.details,
    });
  }
}

export class BrokenEntryResponse {
  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  id!: string | null;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 42 })
  seq!: number;

  @ApiProperty({
    enum: ['hash_mismatch', 'broken_link', 'missing_entries'],
    description: 'hash_mismatch: the row was altered; broken_link or missing_entries: rows were removed or inserted',
  })
  reason!: string;
}

export class ChainVerificationResponse {
  @ApiProperty({ description: 'True when every entry hashes to its stored hash and links to the one before' })
  valid!: boolean;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1200,
    description: 'Entries checked',
  })
  checked!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1200,
    description: 'The sequence number the chain head records',
  })
  head_seq!: number;

  @ApiProperty({ type: () => BrokenEntryResponse, nullable: true })
  first_broken!: BrokenEntryResponse | null;
}
