// Plaid's OAuth redirect flow with a real page navigation: this page (oauth-app.html, framed
// by oauth.html) initializes with redirectUri = itself, opens Link, which sends the page to the
// redirect URI with an oauth_state_id; loaded again, the page re-creates Link with
// receivedRedirectUri and closes. Writes a JSON report into the parent's #out
// (tests/browser.rs reads it from Chromium's --dump-dom).
(function () {
  'use strict';
  var KEY = 'quiltt-sandbox-oauth-test';
  var report = { violations: window.__smoke.violations, warnings: window.__smoke.warnings };
  function write(done) {
    report.done = done;
    window.parent.document.getElementById('out').textContent = JSON.stringify(report);
  }
  function json(path, body, auth) {
    var headers = { 'Content-Type': 'application/json' };
    if (auth) {
      headers.Authorization = 'Bearer sandbox-session-token';
    }
    return fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body) }).then(function (r) {
      return r.json();
    });
  }
  function gql(query, variables) {
    return json('/v1/graphql', { query: query, variables: variables }, true);
  }
  function fail(e) {
    report.error = String((e && e.stack) || e);
    write(false);
  }

  var params = new URLSearchParams(location.search);
  if (!params.get('oauth_state_id')) {
    // First visit: seed an OAuth connection, initialize with redirectUri, open Link.
    json('/__sandbox/seed', { id: 'c_oauth_nav', oauth: true, linkBehavior: { mode: 'oauth' }, institution: { name: 'Citibank Online', institutionId: 'ins_5' } })
      .then(function () {
        return gql(
          'mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { linkToken connectorToken } } }',
          { input: { connectionId: 'c_oauth_nav', featuresRequired: ['TRANSACTIONS'], redirectUri: location.origin + '/oauth-app.html?from=test' } }
        );
      })
      .then(function (body) {
        var record = body.data.connectorPlaidInitialize.record;
        var events = [];
        sessionStorage.setItem(KEY, JSON.stringify({ record: record, events: events }));
        var handler = window.Plaid.create({
          token: record.linkToken,
          onEvent: function (name, meta) {
            events.push(name + (meta.view_name ? ':' + meta.view_name : ''));
            sessionStorage.setItem(KEY, JSON.stringify({ record: record, events: events }));
          },
          onSuccess: function () { fail('onSuccess before the redirect'); },
          onExit: function (err) { fail('onExit before the redirect: ' + JSON.stringify(err)); }
        });
        handler.open();
      })
      .catch(fail);
    return;
  }
  // Back from the bank.
  var saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  report.returnedTo = location.pathname + '?from=' + params.get('from');
  report.eventsBeforeRedirect = saved && saved.events;
  report.resumeEvents = [];
  var handler = window.Plaid.create({
    token: saved.record.linkToken,
    receivedRedirectUri: location.href,
    onEvent: function (name) { report.resumeEvents.push(name); },
    onSuccess: function (publicToken, metadata) {
      report.institution = metadata.institution.name;
      gql(
        'mutation($input: ConnectorPlaidCloseInput!) { connectorPlaidClose(input: $input) { success record { id status } } }',
        { input: { connectorToken: saved.record.connectorToken, publicToken: publicToken, metadata: metadata } }
      )
        .then(function (body) {
          report.close = body.data.connectorPlaidClose;
          setTimeout(function () {
            handler.destroy();
            write(true);
          }, 0);
        })
        .catch(fail);
    },
    onExit: function (err) {
      report.exitError = err;
      write(true);
    }
  });
  handler.open();
})();
