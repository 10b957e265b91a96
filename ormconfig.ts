import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { createDataSource } from './src/database/data-source';
import { provideDatabaseServer } from './src/database/database-server';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:generate`, ...).
 * Built by the same functions as the app's; without DATABASE_URL it starts the embedded
 * server for the command and stops it when the CLI destroys the DataSource.
 */
async function cliDataSource(): Promise<DataSource> {
  const server = await provideDatabaseServer(loadConfig());
  const dataSource = createDataSource(server.config, 'migrations');
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await destroy();
    await server.stop();
  };
  return dataSource;
}

export default cliDataSource();
