/*
 * quiltt-sandbox: a stand-in for Plaid Link's web script (link-initialize.js).
 *
 * Implements Plaid's documented web surface:
 *   Plaid.create({ token, onSuccess, onExit, onEvent, onLoad, receivedRedirectUri })
 *     -> { open, exit, submit, destroy }
 * against the sandbox that served it. No eval, no inline handlers, no <style> tags:
 * it works under a strict Content-Security-Policy.
 *
 * The modal is a modal dialog for keyboards and screen readers too: it takes focus when it
 * opens, Tab and Shift+Tab cycle through its buttons (focus that lands outside it is brought
 * back), Escape exits, and focus returns to the element that had it before Link opened.
 *
 * Behaviour comes from the connection's `linkBehavior` (seeded with POST /__sandbox/seed)
 * and can be overridden by a page with `window.PlaidSandbox = { behavior: { ... } }`:
 *   mode: "modal" (default) | "success" | "exit" | "exit_error" | "success_twice"
 *         | "null_public_token" | "oauth"
 *   delayMs: N   (wait before the automatic action)
 *
 * OAuth (Plaid's redirect flow): for an OAuth connection (seeded `oauth: true`, or mode
 * "oauth"), Link hands the user to the bank: OPEN_OAUTH, then, when the initialize had a
 * `redirectUri`, the whole page goes to it with `?oauth_state_id=...` (or
 * `window.PlaidSandbox.navigate(url)` is called instead, if the page set it). The page then
 * calls Plaid.create({ token: <same link token>, receivedRedirectUri: location.href, ... }) and
 * open(): Link resumes and calls onSuccess, or onExit with an OAUTH_ERROR for a state that is
 * unknown, already used, or from another link token. Without `redirectUri`, the bank opens in
 * a pop-up as far as the page can tell, and Link carries on in place.
 *   forcedExitDelayMs: N   (exit({ force: true }) calls onExit N ms later, as Link across its
 *                           iframe may; Link stays open, and destroy() refused, until then)
 */
(function () {
  'use strict';

  if (typeof window === 'undefined') {
    return;
  }

  if (window.Plaid) {
    console.warn(
      'The Plaid Link script (link-initialize.js) was loaded more than once on this page. ' +
        'Embed it once; the first copy stays in use.'
    );
    return;
  }

  var SCRIPT_VERSION = 'quiltt-sandbox-1';

  function findOrigin() {
    var script = document.currentScript;
    var src = script && script.src;
    if (!src) {
      var scripts = document.getElementsByTagName('script');
      for (var i = scripts.length - 1; i >= 0; i--) {
        if (scripts[i].src && scripts[i].src.indexOf('link-initialize.js') !== -1) {
          src = scripts[i].src;
          break;
        }
      }
    }
    try {
      return new URL(src || window.location.href, window.location.href).origin;
    } catch (e) {
      return window.location.origin;
    }
  }

  var ORIGIN = findOrigin();

  function randomHex(n) {
    var out = '';
    var bytes = new Uint8Array(n);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < n; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    for (var j = 0; j < n; j++) {
      out += (bytes[j] < 16 ? '0' : '') + bytes[j].toString(16);
    }
    return out;
  }

  function isFunction(f) {
    return typeof f === 'function';
  }

  function merge(base, extra) {
    var out = {};
    var k;
    if (base && typeof base === 'object') {
      for (k in base) {
        if (Object.prototype.hasOwnProperty.call(base, k)) {
          out[k] = base[k];
        }
      }
    }
    if (extra && typeof extra === 'object') {
      for (k in extra) {
        if (Object.prototype.hasOwnProperty.call(extra, k)) {
          out[k] = extra[k];
        }
      }
    }
    return out;
  }

  // Calls a user callback; an exception in it surfaces as an uncaught error without
  // breaking the Link state machine (as with Plaid's postMessage-driven callbacks).
  function callUser(fn, args) {
    if (!isFunction(fn)) {
      return;
    }
    try {
      fn.apply(null, args);
    } catch (e) {
      setTimeout(function () {
        throw e;
      }, 0);
    }
  }

  function css(el, styles) {
    for (var k in styles) {
      if (Object.prototype.hasOwnProperty.call(styles, k)) {
        el.style[k] = styles[k];
      }
    }
    return el;
  }

  function element(tag, styles, text) {
    var el = css(document.createElement(tag), styles || {});
    if (text) {
      el.appendChild(document.createTextNode(text));
    }
    return el;
  }

  // POSTs JSON to the sandbox; resolves with { ok, json }.
  function postJson(path, body) {
    return fetch(ORIGIN + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) {
        return { ok: response.ok, json: json };
      });
    });
  }

  // The Plaid error of a refused /__sandbox/link/oauth/* call: the sandbox's fields where it
  // gave them, else the defaults.
  function refusal(json, type, code, message) {
    return {
      error_type: json.errorType || type,
      error_code: json.errorCode || code,
      error_message: json.errorMessage || message,
      display_message: null
    };
  }

  // Link's error when the stand-in cannot reach the sandbox.
  function unreachable() {
    return {
      error_type: 'API_ERROR',
      error_code: 'INTERNAL_SERVER_ERROR',
      error_message: 'the Link stand-in could not reach the sandbox',
      display_message: null
    };
  }

  var ITEM_LOGIN_REQUIRED = {
    error_type: 'ITEM_ERROR',
    error_code: 'ITEM_LOGIN_REQUIRED',
    error_message:
      'the login details of this item have changed (credentials, MFA, or required user action) ' +
      'and a user login is required to update this information. use Link\'s update mode to ' +
      'restore the item to a good state',
    display_message:
      'The provided credentials were not correct. Please try again.'
  };

  // For tests: handlers created and destroyed, and destroy() calls refused because Link was
  // open. A page that ends every flow cleanly has created === destroyed.
  var stats = { created: 0, destroyed: 0, destroyWhileOpen: 0 };

  function create(config) {
    if (!config || typeof config !== 'object') {
      throw new Error('Plaid.create() requires a configuration object');
    }
    stats.created += 1;
    var token = typeof config.token === 'string' ? config.token : '';
    var state = {
      loaded: false,
      open: false,
      destroyed: false,
      queuedOpen: false,
      session: null,
      flow: 0, // increments on every open; stale async work compares against it
      linkSessionId: 'link-session-' + randomHex(12),
      pendingEvents: [],
      flushTimer: null,
      timers: [],
      modal: null,
      keyListener: null,
      focusListener: null,
      opener: null
    };

    function requestId() {
      return (state.session && state.session.requestId) || null;
    }

    function institution() {
      return (state.session && state.session.institution) || null;
    }

    function eventMetadata(viewName, extra) {
      var inst = institution();
      return merge(
        {
          account_number_mask: null,
          error_code: null,
          error_message: null,
          error_type: null,
          exit_status: null,
          institution_id: inst ? inst.institution_id : null,
          institution_name: inst ? inst.name : null,
          institution_search_query: null,
          is_update_mode: true,
          match_reason: null,
          mfa_type: null,
          routing_number: null,
          selection: null,
          view_name: viewName || null,
          link_session_id: state.linkSessionId,
          request_id: requestId(),
          timestamp: new Date().toISOString()
        },
        extra
      );
    }

    // Events are queued and delivered in batches; every pending event is delivered right
    // before the final callback (onSuccess / onExit), as Plaid does.
    function flushEvents() {
      if (state.flushTimer !== null) {
        clearTimeout(state.flushTimer);
        state.flushTimer = null;
      }
      var events = state.pendingEvents;
      state.pendingEvents = [];
      for (var i = 0; i < events.length; i++) {
        callUser(config.onEvent, [events[i].name, events[i].metadata]);
      }
    }

    function emit(name, metadata) {
      state.pendingEvents.push({ name: name, metadata: metadata });
      if (state.flushTimer === null) {
        state.flushTimer = setTimeout(function () {
          state.flushTimer = null;
          flushEvents();
        }, 0);
      }
    }

    function later(fn, ms) {
      var id = setTimeout(function () {
        var i = state.timers.indexOf(id);
        if (i !== -1) {
          state.timers.splice(i, 1);
        }
        fn();
      }, ms || 0);
      state.timers.push(id);
    }

    function clearTimers() {
      for (var i = 0; i < state.timers.length; i++) {
        clearTimeout(state.timers[i]);
      }
      state.timers = [];
    }

    function behavior() {
      var fromPage = window.PlaidSandbox && window.PlaidSandbox.behavior;
      var b = merge(state.session && state.session.behavior, fromPage);
      if (!b.mode) {
        b.mode = 'modal';
      }
      return b;
    }

    function removeModal() {
      if (state.keyListener) {
        document.removeEventListener('keydown', state.keyListener, true);
        state.keyListener = null;
      }
      if (state.focusListener) {
        document.removeEventListener('focusin', state.focusListener, true);
        state.focusListener = null;
      }
      var modal = state.modal;
      var hadFocus = modal && (modal.contains(document.activeElement) || !document.activeElement ||
        document.activeElement === document.body);
      if (modal && modal.parentNode) {
        modal.parentNode.removeChild(modal);
      }
      state.modal = null;
      // Focus goes back to what opened Link (unless the page has put it somewhere else since).
      var opener = state.opener;
      state.opener = null;
      if (modal && hadFocus && opener && opener.isConnected && isFunction(opener.focus)) {
        try {
          opener.focus();
        } catch (e) {
          /* ignore */
        }
      }
    }

    // The element that has focus, inside shadow roots too (a custom element's button).
    function deepActiveElement() {
      var active = document.activeElement;
      while (active && active.shadowRoot && active.shadowRoot.activeElement) {
        active = active.shadowRoot.activeElement;
      }
      return active;
    }

    function finish() {
      state.open = false;
      clearTimers();
      removeModal();
    }

    function exitMetadata(status) {
      return {
        status: status,
        institution: institution(),
        link_session_id: state.linkSessionId,
        request_id: requestId()
      };
    }

    function finishExit(error, status) {
      if (!state.open) {
        return;
      }
      finish();
      var errorFields = error
        ? {
            error_type: error.error_type,
            error_code: error.error_code,
            error_message: error.error_message
          }
        : {};
      if (error) {
        emit('ERROR', eventMetadata(null, errorFields));
      }
      emit('EXIT', eventMetadata(null, merge(errorFields, { exit_status: status })));
      flushEvents();
      callUser(config.onExit, [error, exitMetadata(status)]);
    }

    function succeed(mode) {
      if (!state.open) {
        return;
      }
      var flow = state.flow;
      postJson('/__sandbox/link/success', {
        linkToken: token,
        linkSessionId: state.linkSessionId
      })
        .then(
          function (result) {
            if (flow !== state.flow || !state.open) {
              return;
            }
            if (!result.ok) {
              finishExit(
                {
                  error_type: 'INVALID_INPUT',
                  error_code: result.json.errorCode || 'INVALID_LINK_TOKEN',
                  error_message: result.json.errorMessage || 'link token is invalid',
                  display_message: null
                },
                null
              );
              return;
            }
            var metadata = result.json.metadata;
            var publicToken = mode === 'null_public_token' ? null : result.json.publicToken;
            finish();
            emit('TRANSITION_VIEW', eventMetadata('CONNECTED'));
            emit('HANDOFF', eventMetadata(null));
            flushEvents();
            callUser(config.onSuccess, [publicToken, metadata]);
            if (mode === 'success_twice') {
              setTimeout(function () {
                callUser(config.onSuccess, [publicToken, metadata]);
              }, 0);
            }
          },
          function () {
            if (flow !== state.flow) {
              return;
            }
            finishExit(unreachable(), null);
          }
        );
    }

    function isOAuth(b) {
      return b.mode === 'oauth' || (state.session && state.session.oauth === true);
    }

    // Link hands the user to the bank (OPEN_OAUTH). With a redirectUri, the page leaves for it
    // with an oauth_state_id; without one, the bank's pop-up is simulated and Link carries on.
    function startOAuth() {
      if (!state.open) {
        return;
      }
      var flow = state.flow;
      emit('TRANSITION_VIEW', eventMetadata('OAUTH'));
      emit('OPEN_OAUTH', eventMetadata('OAUTH'));
      if (!(state.session && state.session.oauthRedirect)) {
        later(function () {
          succeed('success');
        }, 0);
        return;
      }
      postJson('/__sandbox/link/oauth/start', { linkToken: token })
        .then(
          function (result) {
            if (flow !== state.flow || !state.open) {
              return;
            }
            if (!result.ok) {
              finishExit(
                refusal(result.json, 'INVALID_REQUEST', 'INVALID_FIELD', 'OAuth needs a redirect_uri'),
                null
              );
              return;
            }
            // The page goes away: Link's pending events are delivered, then it is gone
            // without onSuccess or onExit, as with Plaid's iframe.
            flushEvents();
            finish();
            var url = result.json.redirectUrl;
            var navigate = window.PlaidSandbox && window.PlaidSandbox.navigate;
            if (isFunction(navigate)) {
              callUser(navigate, [url]);
            } else {
              window.location.assign(url);
            }
          },
          function () {
            if (flow !== state.flow) {
              return;
            }
            finishExit(unreachable(), null);
          }
        );
    }

    // Link re-initialized with receivedRedirectUri after the bank: the oauth_state_id in it must
    // be the one Link handed out for this link token.
    function resumeOAuth(delay) {
      var flow = state.flow;
      emit('OPEN', eventMetadata('OAUTH'));
      postJson('/__sandbox/link/oauth/resume', {
        linkToken: token,
        receivedRedirectUri: config.receivedRedirectUri
      })
        .then(
          function (result) {
            if (flow !== state.flow || !state.open) {
              return;
            }
            if (!result.ok) {
              finishExit(
                refusal(result.json, 'OAUTH_ERROR', 'OAUTH_STATE_ID_NOT_FOUND', 'the OAuth state is invalid'),
                null
              );
              return;
            }
            later(function () {
              succeed('success');
            }, delay);
          },
          function () {
            if (flow !== state.flow) {
              return;
            }
            finishExit(unreachable(), null);
          }
        );
    }

    function showModal(oauth) {
      var inst = institution();
      var overlay = element('div', {
        position: 'fixed',
        top: '0',
        left: '0',
        right: '0',
        bottom: '0',
        background: 'rgba(17, 24, 39, 0.55)',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        zIndex: '2147483647',
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
      });
      overlay.id = 'plaid-sandbox-modal';
      overlay.setAttribute('data-testid', 'plaid-sandbox-modal');
      var dialog = element('div', {
        background: '#ffffff',
        color: '#111827',
        borderRadius: '12px',
        padding: '24px',
        width: '320px',
        maxWidth: 'calc(100vw - 32px)',
        boxShadow: '0 20px 50px rgba(0, 0, 0, 0.3)',
        textAlign: 'center'
      });
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-labelledby', 'plaid-sandbox-title');
      var badge = element(
        'div',
        { fontSize: '12px', letterSpacing: '0.08em', color: '#6b7280', marginBottom: '8px' },
        'PLAID LINK \u00b7 SANDBOX'
      );
      var title = element(
        'h2',
        { fontSize: '20px', margin: '0 0 8px 0' },
        inst ? inst.name : 'Your bank'
      );
      title.id = 'plaid-sandbox-title';
      var text = element(
        'p',
        { fontSize: '14px', color: '#374151', margin: '0 0 20px 0', lineHeight: '1.4' },
        oauth
          ? 'Reconnect your account: you will log in on your bank\u2019s site, then come back here.'
          : 'Reconnect your account: your bank needs you to log in again.'
      );
      function button(id, label, primary) {
        var b = element('button', {
          display: 'block',
          width: '100%',
          padding: '10px 12px',
          marginTop: '8px',
          fontSize: '14px',
          borderRadius: '8px',
          cursor: 'pointer',
          border: primary ? '1px solid #111827' : '1px solid #d1d5db',
          background: primary ? '#111827' : '#ffffff',
          color: primary ? '#ffffff' : '#111827'
        }, label);
        b.type = 'button';
        b.id = id;
        b.setAttribute('data-testid', id);
        return b;
      }
      var cont = oauth
        ? button('plaid-sandbox-continue-to-bank', 'Continue to bank', true)
        : button('plaid-sandbox-continue', 'Continue', true);
      var exit = button('plaid-sandbox-exit', 'Exit', false);
      var fail = button('plaid-sandbox-fail', 'Fail with ITEM_LOGIN_REQUIRED', false);
      cont.addEventListener('click', function () {
        // Busy, but still focused (a disabled button would drop focus out of the dialog).
        if (cont.getAttribute('aria-disabled') === 'true') {
          return;
        }
        cont.setAttribute('aria-disabled', 'true');
        css(cont, { opacity: '0.6', cursor: 'progress' });
        if (oauth) {
          removeModal();
          startOAuth();
        } else {
          succeed('success');
        }
      });
      exit.addEventListener('click', function () {
        finishExit(null, 'requires_credentials');
      });
      fail.addEventListener('click', function () {
        finishExit(ITEM_LOGIN_REQUIRED, 'requires_credentials');
      });
      // The dialog is modal: Tab and Shift+Tab cycle through its buttons, and focus that lands
      // outside it (a script, a screen reader) is brought back.
      function buttons() {
        return Array.prototype.slice.call(dialog.querySelectorAll('button')).filter(function (b) {
          return !b.disabled;
        });
      }
      state.keyListener = function (e) {
        if (e.key === 'Escape') {
          finishExit(null, 'requires_credentials');
          return;
        }
        if (e.key !== 'Tab') {
          return;
        }
        var list = buttons();
        if (list.length === 0) {
          return;
        }
        var at = list.indexOf(document.activeElement);
        var next = e.shiftKey
          ? at <= 0 ? list[list.length - 1] : list[at - 1]
          : at === -1 || at === list.length - 1 ? list[0] : list[at + 1];
        e.preventDefault();
        next.focus();
      };
      state.focusListener = function (e) {
        if (!overlay.contains(e.target)) {
          var list = buttons();
          if (list.length) {
            list[0].focus();
          }
        }
      };
      state.opener = deepActiveElement();
      document.addEventListener('keydown', state.keyListener, true);
      document.addEventListener('focusin', state.focusListener, true);
      dialog.appendChild(badge);
      dialog.appendChild(title);
      dialog.appendChild(text);
      dialog.appendChild(cont);
      dialog.appendChild(exit);
      dialog.appendChild(fail);
      overlay.appendChild(dialog);
      (document.body || document.documentElement).appendChild(overlay);
      state.modal = overlay;
      try {
        cont.focus();
      } catch (e) {
        /* ignore */
      }
    }

    function doOpen() {
      if (state.destroyed || state.open) {
        return;
      }
      state.open = true;
      state.flow += 1;
      var session = state.session || {};
      if (!session.valid) {
        finishExit(
          {
            error_type: 'INVALID_INPUT',
            error_code: session.errorCode || 'INVALID_LINK_TOKEN',
            error_message: session.errorMessage || 'link token is invalid or expired',
            display_message: null
          },
          null
        );
        return;
      }
      var b = behavior();
      var delay = Number(b.delayMs) > 0 ? Number(b.delayMs) : 0;
      if (typeof config.receivedRedirectUri === 'string' && config.receivedRedirectUri) {
        resumeOAuth(delay);
        return;
      }
      var oauth = isOAuth(b);
      var view = oauth ? 'OAUTH' : 'CREDENTIAL';
      emit('OPEN', eventMetadata(view));
      emit('TRANSITION_VIEW', eventMetadata(view));
      switch (b.mode) {
        case 'oauth':
          later(startOAuth, delay);
          break;
        case 'success':
        case 'success_twice':
        case 'null_public_token':
          later(function () {
            succeed(b.mode);
          }, delay);
          break;
        case 'exit':
          later(function () {
            finishExit(null, 'requires_credentials');
          }, delay);
          break;
        case 'exit_error':
          later(function () {
            finishExit(ITEM_LOGIN_REQUIRED, 'requires_credentials');
          }, delay);
          break;
        default:
          if (b.mode !== 'modal') {
            console.warn('Plaid sandbox: unknown behavior mode "' + b.mode + '"; showing the modal');
          }
          later(function () {
            showModal(oauth);
          }, delay);
      }
    }

    function loaded(session) {
      if (state.destroyed) {
        return;
      }
      // linkBehavior.neverLoad: Link never finishes loading (no onLoad, a queued open stays
      // queued), as when Plaid's iframe can't load.
      if (session && session.behavior && session.behavior.neverLoad === true) {
        return;
      }
      state.session = session;
      state.loaded = true;
      callUser(config.onLoad, []);
      if (state.queuedOpen) {
        state.queuedOpen = false;
        doOpen();
      }
    }

    fetch(ORIGIN + '/__sandbox/link/session?token=' + encodeURIComponent(token))
      .then(function (response) {
        return response.json();
      })
      .then(loaded, function () {
        loaded({
          valid: false,
          errorCode: 'INTERNAL_SERVER_ERROR',
          errorMessage: 'the Link stand-in could not reach the sandbox'
        });
      });

    return {
      open: function () {
        if (state.destroyed) {
          console.warn('Plaid Link: open() was called after destroy()');
          return;
        }
        if (!state.loaded) {
          state.queuedOpen = true;
          return;
        }
        doOpen();
      },
      exit: function (options, callback) {
        if (isFunction(options)) {
          callback = options;
          options = {};
        }
        options = options || {};
        if (!state.open) {
          console.warn('Plaid Link: exit() was called but Link is not open');
          if (state.queuedOpen && options.force) {
            state.queuedOpen = false;
          }
          callUser(callback, []);
          return;
        }
        var exitDelay = options.force ? Number(behavior().forcedExitDelayMs) || 0 : 0;
        if (exitDelay > 0) {
          setTimeout(function () {
            finishExit(null, null);
          }, exitDelay);
        } else {
          finishExit(null, options.force ? null : 'requires_credentials');
        }
        callUser(callback, []);
      },
      submit: function (data) {
        if (!state.open) {
          console.warn('Plaid Link: submit() was called but Link is not open');
          return;
        }
        emit('SUBMIT_PHONE', eventMetadata(null, { selection: data || null }));
      },
      destroy: function () {
        if (state.open) {
          stats.destroyWhileOpen += 1;
          throw new Error('Do not call destroy() when Link is open');
        }
        if (!state.destroyed) {
          stats.destroyed += 1;
        }
        state.destroyed = true;
        state.queuedOpen = false;
        clearTimers();
        removeModal();
        state.pendingEvents = [];
        if (state.flushTimer !== null) {
          clearTimeout(state.flushTimer);
          state.flushTimer = null;
        }
      }
    };
  }

  window.Plaid = {
    version: SCRIPT_VERSION,
    isSandboxStandIn: true,
    stats: stats,
    create: create
  };
})();
