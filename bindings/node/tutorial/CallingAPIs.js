#!/usr/bin/env node
// Drop-in for SAP's Tutorial 3 script (SampleCode/Tutorial_3/CallingAPIs.js).
//   Files: credentials.json and refreshTokenObjectFile.json in this script's
//            folder, as SAP's (or in $CONCUR_TUTORIAL_DIR).
//   1st run: writes credentials.json to fill in, then exits (code 2).
//   Next:    stores a refresh token as in Tutorial 2 when none is valid.
//   Always:  gets an access token (refreshing only when needed) and calls
//            Profile Identity v4 (GET /profile/identity/v4/Users/) under the
//            token's geolocation, then prints the JSON reply.
// Secrets are never printed. Exit code 0 on success, 1 on failure.
'use strict';

const tutorial = require('concur-auth/tutorial/common');

const PROFILE_PATH = '/profile/identity/v4/Users/';

tutorial.run(__dirname, async (files) => {
  if (!tutorial.ensureCredentials(files, 'CallingAPIs.js')) return tutorial.EXIT_FILL_IN;
  console.log(tutorial.describeCredentials(files));
  const m = tutorial.manager(files);
  await tutorial.loadOrCreateRefreshToken(files, m);
  console.log(`Calling GET ${PROFILE_PATH} with a bearer token (not shown)…`);
  const response = await m.request('GET', PROFILE_PATH);
  if (!response.ok) {
    const id = response.correlationId ? ` (correlation id ${response.correlationId})` : '';
    console.error(`Error [api]: GET ${PROFILE_PATH} answered HTTP ${response.status}${id}`);
    console.error(response.body);
    return 1;
  }
  console.log(`HTTP ${response.status}:`);
  console.log(JSON.stringify(response.json(), null, 2));
  return 0;
});
