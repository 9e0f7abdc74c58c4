// `npm run emulator -- --pty | --tcp PORT [...]`: the controller emulator on its own (options in
// src/emulator/cli.ts).
import { main } from '../emulator/cli';

main(process.argv.slice(2)).catch(function (err: Error) {
  console.error('emulator: ' + err.message);
  process.exit(1);
});
