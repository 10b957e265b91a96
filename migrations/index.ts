/**
 * Every migration, in order. The app, the TypeORM CLI (ormconfig.ts) and the bundled build all take
 * them from here rather than from a folder glob; a unit test checks that no file in this folder is
 * missing from the list.
 */
import { InitialSchema1795232992170 } from './1795232992170-InitialSchema';
import { FeatureTables1795236000000 } from './1795236000000-FeatureTables';
import { SeedOccupations1795236100000 } from './1795236100000-SeedOccupations';
import { RefreshTokenSuccessor1795237000000 } from './1795237000000-RefreshTokenSuccessor';
import { UserCounts1795238000000 } from './1795238000000-UserCounts';
import { AuthChangeNotifications1795239000000 } from './1795239000000-AuthChangeNotifications';
import { NameShortGrams1795240000000 } from './1795240000000-NameShortGrams';
import { DropAuthChangeNotifications1795241000000 } from './1795241000000-DropAuthChangeNotifications';
import { SourceIds1795242000000 } from './1795242000000-SourceIds';
import { ImportedHistory1795244000000 } from './1795244000000-ImportedHistory';
import { MailOutbox1795245000000 } from './1795245000000-MailOutbox';
import { SecondFactor1795246000000 } from './1795246000000-SecondFactor';
import { RateLimits1795247000000 } from './1795247000000-RateLimits';
import { SessionWriteLsn1795247100000 } from './1795247100000-SessionWriteLsn';
import { ImportBatchAudit1795248000000 } from './1795248000000-ImportBatchAudit';

export const MIGRATIONS = [
  InitialSchema1795232992170,
  FeatureTables1795236000000,
  SeedOccupations1795236100000,
  RefreshTokenSuccessor1795237000000,
  UserCounts1795238000000,
  AuthChangeNotifications1795239000000,
  NameShortGrams1795240000000,
  DropAuthChangeNotifications1795241000000,
  SourceIds1795242000000,
  ImportedHistory1795244000000,
  MailOutbox1795245000000,
  SecondFactor1795246000000,
  RateLimits1795247000000,
  SessionWriteLsn1795247100000,
  ImportBatchAudit1795248000000,
];
