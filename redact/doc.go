// Package redact is pasteserve's one rule for what it never prints: the
// values of secret configuration keys, secret HTTP headers and query
// parameters, and the password of a URL. Every place that prints or logs
// configuration, headers, URLs or bodies asks this package (the graph,
// config and check commands, the server's option dump, the debug,
// access_log and catch_errors filters, factory errors), so that a value
// masked in one is masked in all.
//
// # Names
//
// A configuration key is split into words at anything that is not a
// letter or digit and at camelCase boundaries ("admin_password",
// "session.secret", "X-Auth-Token" and "adminPass" are all two or three
// words); case does not matter, trailing digits are ignored
// ("password2"), and so are words that are only digits ("key-2"). The key
// names a secret when its last word, the head of the name, does:
//
//   - password, passwd, passphrase, pswd, pass, secret, token, sig or
//     signature, singular or plural, or a word that ends in one of
//     password, passwd, passphrase, secret and token ("adminpassword",
//     "clientsecret", "authtoken"), or one of adminpass, newpass, oldpass,
//     userpass, rootpass;
//   - key or keys after a word that says what kind of key it is: secret,
//     private, api, access, auth, encryption, encrypt, encrypted, crypt, crypto,
//     signing, sign, hmac, master, shared, validate, validation, fernet,
//     license or jwt, or a secret word as above ("memcache_secret_key",
//     "hmac_keys", "X-Api-Key"); Swift's temp_url_key; or a word that is
//     one of those kinds followed by "key" ("apikey", "secretkey").
//
// A head of value, data, string, str, text, hash, b64, base64, hex,
// encoded, encrypted, plain or raw is looked through: "password_hash" is
// the word before it that decides.
//
// Deciding by the head rather than by any word is what keeps the false
// positives out: "token_cache_time" is a time, "password_file" and
// "secret_key_file" are paths (to files that hold secrets, but printing
// the path gives nothing away), "service_token_roles" is a list of
// roles, "enforce_token_bind" a policy; and "cache_key", "sort_key" and
// "colon_key" are keys of no secret kind. Beaker's "session.key" is the
// name of its cookie, not a secret, and "ssh_key" settings are public
// keys or switches, so neither session nor ssh makes a key secret.
//
// # Values
//
// Whatever its key, a value that holds a URL with a password
// ("mysql+pymysql://nova:pw@db/nova", oslo.messaging's
// "rabbit://a:pw1@h1,b:pw2@h2/") is printed with the password masked, and
// so is a name=value pair inside it whose name is a secret query
// parameter ("host=db password=pw", "http://x/?token=t"); see Text. An
// empty secret value is printed as empty: that it is unset is worth
// seeing. So is a boolean word (true, false, yes, no, on, off): such a
// value is a switch whatever its name says, as in CKAN's
// "ckan.auth.create_default_api_keys = true".
//
// # Headers
//
// A request or response header is secret when Authorization,
// Proxy-Authorization, Cookie or Set-Cookie, or when its name is secret by
// the rule for keys: every X-*-Token (X-Auth-Token, X-Subject-Token,
// X-Service-Token, X-Storage-Token), X-Auth-Key, X-Api-Key, Swift's
// X-Storage-Pass and X-Account-Meta-Temp-URL-Key. Other header values go
// through Text, so a Referer or Location with ?token= is masked too.
//
// # Query parameters
//
// A query (or form) parameter is secret when its name is secret by the
// rule for keys (token, access_token, password, secret, client_secret,
// api_key, temp_url_sig, X-Amz-Signature, ...) or is plain "key", as in
// API-key schemes like ?key=. Parameters are separated by '&' or ';'
// (older WSGI servers split on both), and names are percent-decoded
// before they are judged.
//
// # Bodies
//
// Body masks what the debug filter prints: JSON bodies have the values of
// secret-named members masked (strings and numbers, at any depth, and the
// "id" of an object under a key like "token", where Keystone puts token
// ids), other strings through Text (an echoed "query": "token=t"), with
// the rest of the text as it was; form-encoded bodies are
// masked as queries; other text (text/*, XML, JavaScript, and bodies with
// no type that are valid UTF-8) goes through Text. Anything else, and any
// body that is not valid UTF-8, is not printed at all: only its size and
// type are. Binary data is unreadable on a terminal, and there is no
// telling what it holds.
//
// # Compared with oslo
//
// oslo.utils' strutils.mask_password and mask_dict_password decide by
// substring: a key is secret when it contains any of a list of words
// (password, secret, token, private_key, ...). That masks
// "token_cache_time" and "password_file", and misses "api_key" and
// "hmac_keys". This package takes oslo's words and its digit suffixes
// ("password2"), and decides by the head of the name instead, adds key
// kinds, and masks URL passwords, which oslo.config leaves to options
// declared secret. It masks with "****", as oslo.config's log_opt_values
// does, where mask_password writes "***". Unlike mask_password it does
// not look for "password = x" with spaces around the '=' in free text: in
// pasteserve's messages that form is advice ("write set password = ..."),
// not a value.
//
// What no rule catches: a secret under a name that does not say so
// (Authorize.net's "authorizenetkey", a token in a URL path). Print such
// a file with care; "pasteserve config --show-secrets" and "pasteserve
// graph --show-secrets" print every value as written.
package redact
