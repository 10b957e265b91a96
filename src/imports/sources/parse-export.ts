import { asDjangoRecord, DjangoExport } from './django.source';
import { EMPTY_PREAMBLE, ImportPreamble, MalformedExportError, SourceSystem, UserBundle } from './import-record';
import { mongoBundle, mongoDocuments } from './mongo.source';
import { sequelizeBundle } from './sequelize.source';

/** A whole export held in memory (an HTTP body): its preamble and its users, each whole. */
export function parseExport(source: SourceSystem, body: unknown): { preamble: ImportPreamble; bundles: UserBundle[] } {
  switch (source) {
    case '000': {
      if (!Array.isArray(body)) throw new MalformedExportError('a 000 export is the JSON array `manage.py dumpdata` writes');
      const records = body.map(asDjangoRecord);
      const assembled = new DjangoExport();
      for (const record of records) assembled.note(record);
      return {
        preamble: assembled.preamble(),
        bundles: records.filter((record) => record.model === 'auth.user').map((record) => assembled.bundle(record)),
      };
    }
    case '001': {
      const { users, admins } = mongoDocuments(body);
      return {
        preamble: EMPTY_PREAMBLE(),
        bundles: [...users.map((d) => mongoBundle(d, 'users')), ...admins.map((d) => mongoBundle(d, 'admins'))],
      };
    }
    case '003':
      if (!Array.isArray(body)) throw new MalformedExportError('a 003 export is a JSON array of rows of the users table');
      return { preamble: EMPTY_PREAMBLE(), bundles: body.map(sequelizeBundle) };
  }
}
