#!/usr/bin/env node
// Drop-in for SAP's Tutorial 2 script (SampleCode/Tutorial_2/RefreshTokenManagement.js).
//   Files: credentials.json and refreshTokenObjectFile.json in this script's
//            folder, as SAP's (or in $CONCUR_TUTORIAL_DIR).
//   1st run: writes credentials.json to fill in, then exits (code 2).
//   Next:    no valid refresh token in refreshTokenObjectFile.json → exchanges
//            the company request token and stores the result (mode 0600).
//   Later:   loads the stored refresh token and checks its expiry date (no
//            request, like SAP's check). When the stored access token has
//            expired it gets a new one with the refresh token, which proves
//            Concur still accepts it; otherwise it says that the refresh token was not tried.
// Secrets are never printed. Exit code 0 on success, 1 on failure.
'use strict';

const tutorial = require('concur-auth/tutorial/common');

tutorial.run(__dirname, async (files) => {
  if (!tutorial.ensureCredentials(files, 'RefreshTokenManagement.js')) return tutorial.EXIT_FILL_IN;
  console.log(tutorial.describeCredentials(files));
  const m = tutorial.manager(files);
  await tutorial.loadOrCreateRefreshToken(files, m);
  const loaded = await m.status();
  console.log(
    `Refresh token validity check (its stored expiry date, no request made): OK until ${tutorial.when(loaded.refreshTokenExpiresAt)}.`,
  );
  let status = loaded;
  if (loaded.accessTokenValid) {
    console.log(
      `The stored access token is valid until ${tutorial.when(loaded.accessTokenExpiresAt)}: no refresh was needed, ` +
        'so the refresh token was not tried against Concur this time.',
    );
  } else {
    await m.accessToken();
    status = await m.status();
    console.log(
      `Concur issued a new access token with the refresh token (valid until ${tutorial.when(status.accessTokenExpiresAt)}): ` +
        'the refresh token works.',
    );
  }
  console.log(tutorial.describeStatus(files, status));
  return 0;
});
