// Every migration, in order. A static list (rather than reading the folder) so that
// migrations run the same from source, tests and any bundler.
import type { Migration } from 'kysely/migration';
import * as foundation from './0001-foundation.ts';
import * as trainees from './0002-trainees.ts';
import * as uploads from './0003-uploads.ts';
import * as awardRequests from './0004-award-requests.ts';
import * as apiTokens from './0005-api-tokens.ts';
import * as bulkWriteSpeed from './0006-bulk-write-speed.ts';
import * as traineesRoomToUpdate from './0007-trainees-room-to-update.ts';
import * as placements from './0008-placements.ts';
import * as checkHeartbeat from './0009-check-heartbeat.ts';
import * as uploadFileParts from './0010-upload-file-parts.ts';
import * as uploadContract from './0011-upload-contract.ts';
import * as passwordReset from './0012-password-reset.ts';
import * as uploadReplacementsAndWarnings from './0013-upload-replacements-and-warnings.ts';
import * as uploadSubmitNames from './0013a-upload-submit-names.ts';
import * as schoolData from './0014-school-data.ts';
import * as learnerAccounts from './0014a-learner-accounts.ts';
import * as induction from './0015-induction.ts';
import * as inductionOverlapPerStatement from './0015a-induction-overlap-per-statement.ts';
import * as traineeRecords from './0016-trainee-records.ts';
import * as stagedPlacementNames from './0017-staged-placement-names.ts';
import * as learnerEmail from './0018-learner-email.ts';
import * as inductionEarliestStart from './0019-induction-earliest-start.ts';
import * as traineeNameSearch from './0021-trainee-name-search.ts';
import * as uploadRowRecordKeys from './0022-upload-row-record-keys.ts';
import * as inductionClosedVersion from './0024-induction-closed-version.ts';

export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-trainees': trainees,
  '0003-uploads': uploads,
  '0004-award-requests': awardRequests,
  '0005-api-tokens': apiTokens,
  '0006-bulk-write-speed': bulkWriteSpeed,
  '0007-trainees-room-to-update': traineesRoomToUpdate,
  '0008-placements': placements,
  '0009-check-heartbeat': checkHeartbeat,
  '0010-upload-file-parts': uploadFileParts,
  '0011-upload-contract': uploadContract,
  '0012-password-reset': passwordReset,
  '0013-upload-replacements-and-warnings': uploadReplacementsAndWarnings,
  '0013a-upload-submit-names': uploadSubmitNames,
  '0014-school-data': schoolData,
  '0014a-learner-accounts': learnerAccounts,
  '0015-induction': induction,
  '0015a-induction-overlap-per-statement': inductionOverlapPerStatement,
  '0016-trainee-records': traineeRecords,
  '0017-staged-placement-names': stagedPlacementNames,
  '0018-learner-email': learnerEmail,
  '0019-induction-earliest-start': inductionEarliestStart,
  '0021-trainee-name-search': traineeNameSearch,
  '0022-upload-row-record-keys': uploadRowRecordKeys,
  '0024-induction-closed-version': inductionClosedVersion,
};
