import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A starter set of common occupations, so a fresh install's registration form has choices.
 * Codes 1..42 are fixed (the 000 system's clients send numeric occupation ids); admins can add,
 * rename and delete occupations afterwards.
 */
export const STARTER_OCCUPATIONS = [
  'Accountant',
  'Actor',
  'Architect',
  'Artist',
  'Baker',
  'Banker',
  'Carpenter',
  'Chef',
  'Civil Servant',
  'Consultant',
  'Dentist',
  'Designer',
  'Doctor',
  'Driver',
  'Economist',
  'Electrician',
  'Engineer',
  'Farmer',
  'Firefighter',
  'Journalist',
  'Lawyer',
  'Librarian',
  'Manager',
  'Mechanic',
  'Musician',
  'Nurse',
  'Pharmacist',
  'Photographer',
  'Pilot',
  'Police Officer',
  'Professor',
  'Researcher',
  'Salesperson',
  'Software Developer',
  'Student',
  'Teacher',
  'Technician',
  'Translator',
  'Veterinarian',
  'Writer',
  'Retired',
  'Other',
];

export class SeedOccupations1795236100000 implements MigrationInterface {
  name = 'SeedOccupations1795236100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO occupations (code, name)
       SELECT ordinality, name FROM unnest($1::text[]) WITH ORDINALITY AS seed(name, ordinality)
       ON CONFLICT DO NOTHING`,
      [STARTER_OCCUPATIONS],
    );
    await queryRunner.query(
      `SELECT setval(pg_get_serial_sequence('occupations', 'code'), GREATEST((SELECT max(code) FROM occupations), 1))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM occupations o WHERE o.name = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM users u WHERE u.occupation_id = o.id)`,
      [STARTER_OCCUPATIONS],
    );
  }
}
