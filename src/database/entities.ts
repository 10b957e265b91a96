import { AuditLog } from '../audit-log/audit-log.entity';
import { LoginFailure } from '../auth/entities/login-failure.entity';
import { RefreshToken } from '../auth/entities/refresh-token.entity';
import { Session } from '../auth/entities/session.entity';
import { BlacklistEntry } from '../blacklist/blacklist-entry.entity';
import { GroupMember } from '../groups/group-member.entity';
import { Group } from '../groups/group.entity';
import { Invitation } from '../invitations/invitation.entity';
import { Occupation } from '../occupations/occupation.entity';
import { User } from '../users/user.entity';

/** Every entity, listed once; the app and the migration CLI both read this list. */
export const ENTITIES = [User, Occupation, Session, RefreshToken, LoginFailure, AuditLog, Group, GroupMember, BlacklistEntry, Invitation];
