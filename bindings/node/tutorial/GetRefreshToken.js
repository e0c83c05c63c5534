#!/usr/bin/env node
// Drop-in for SAP's Tutorial 1 script (SampleCode/Tutorial_1/GetRefreshToken.js).
//   Files: credentials.json and refreshTokenObjectFile.json in this script's
//            folder, as SAP's (or in $CONCUR_TUTORIAL_DIR).
//   1st run: writes credentials.json to fill in, then exits (code 2).
//   2nd run: exchanges the company request token for a refresh token and
//            stores it in refreshTokenObjectFile.json (mode 0600).
//   Later:   reports the stored refresh token and leaves it alone while it
//            is live; `--force` replaces it with a new exchange (needs an
//            unused company request token; the stored refresh token is then
//            no longer used: revoke it in Concur if it must stop working).
// Secrets are never printed. Exit code 0 on success, 1 on failure.
'use strict';

const tutorial = require('concur-auth/tutorial/common');

tutorial.run(__dirname, async (files) => {
  if (!tutorial.ensureCredentials(files, 'GetRefreshToken.js')) return tutorial.EXIT_FILL_IN;
  console.log(tutorial.describeCredentials(files));
  const m = tutorial.manager(files);
  const force = process.argv.includes('--force');
  const status = await m.status();
  if (status.initialized && !status.refreshTokenExpired && !force) {
    console.log(
      'A live refresh token is already stored; nothing to exchange (pass --force to replace it with a new company request token).',
    );
    console.log(tutorial.describeStatus(files, status));
    return 0;
  }
  console.log('Calling the OAuth2 /token endpoint with the company request token…');
  // The library checks again under the store's lock: without --force it never
  // replaces a live refresh token, even one another process stored meanwhile.
  const fresh = await m.exchangeRequestToken({ force });
  console.log('Success: refresh token generated.');
  console.log(tutorial.describeStatus(files, fresh));
  return 0;
});
