#!/usr/bin/env node
// Drop-in for SAP's Tutorial 2 script (SampleCode/Tutorial_2/RefreshTokenManagement.js).
//   1st run: writes credentials.json to fill in, then exits (code 2).
//   Next:    no valid refresh token in refreshTokenObjectFile.json → exchanges
//            the company request token and stores the result (mode 0600).
//   Later:   loads the stored refresh token, checks its expiry and proves it
//            works by getting an access token (not printed).
// Secrets are never printed. Exit code 0 on success, 1 on failure.
'use strict';

const tutorial = require('./common');

tutorial.run(async () => {
  if (!tutorial.ensureCredentials('RefreshTokenManagement.js')) return tutorial.EXIT_FILL_IN;
  console.log(tutorial.describeCredentials());
  const m = tutorial.manager();
  await tutorial.loadOrCreateRefreshToken(m);
  await m.accessToken();
  const status = await m.status();
  console.log('Refresh token validity check: OK (an access token was issued with it).');
  console.log(tutorial.describeStatus(status));
  return 0;
});
