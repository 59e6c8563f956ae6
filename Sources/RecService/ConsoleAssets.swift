/// The web console's files, compiled into the binary (no resource bundle to ship beside it, no build step): the
/// page, its icon, and in `ConsoleAssets+Script.swift` / `ConsoleAssets+Stylesheet.swift` its ES module and
/// stylesheet. Served by the ``ConsoleStaticFile`` routes with ETags; the page loads nothing else (CSP:
/// `ConsoleSecurityHeaders`). docs/console.md describes the views.
enum ConsoleAssets {
    /// `GET /console`.
    static let html = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>rec console</title>
<link rel="icon" href="/console/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="#/users"><img src="/console/icon.svg" alt="" width="22" height="22"> rec console</a>
  <nav aria-label="Views">
    <ul>
      <li><a href="#/users" data-nav="users">Users</a></li>
      <li><a href="#/items" data-nav="items">Items</a></li>
      <li><a href="#/search" data-nav="search">Search</a></li>
      <li><a href="#/pipeline" data-nav="pipeline">Pipeline</a></li>
      <li><a href="#/eval" data-nav="eval">Evaluation</a></li>
    </ul>
  </nav>
  <button type="button" id="logout" class="quiet" hidden>Log out</button>
</header>
<main id="main" tabindex="-1">
  <section id="login" class="login" hidden aria-labelledby="login-title">
    <h1 id="login-title">Log in</h1>
    <form id="login-form" method="post" autocomplete="off">
      <label for="api-key">Admin API key</label>
      <input id="api-key" name="api-key" type="password" required autocomplete="off" spellcheck="false">
      <button type="submit">Log in</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
    <p class="hint">Create one with <code>rec apikeys create --name console --scopes admin</code>. The key stays in this
      browser tab (sessionStorage) and travels only in the <code>x-api-key</code> header.</p>
  </section>
  <div id="view"></div>
</main>
<div id="status" class="status" role="status" aria-live="polite"></div>
<noscript><p class="error">The console needs JavaScript.</p></noscript>
</body>
</html>
"""##

    /// `GET /console/icon.svg`.
    static let icon = ##"""
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><rect x="6" y="18" width="5" height="8" fill="#9cd3ff"/><rect x="13.5" y="12" width="5" height="14" fill="#ffd27a"/><rect x="21" y="6" width="5" height="20" fill="#ff9c8a"/></svg>
"""##
}
