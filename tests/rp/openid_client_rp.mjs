// A relying party built on openid-client (npm), driven one step at a time by
// tests/rp/test_openid_client.py. Each command prints one JSON object on stdout.
//
//   start ISSUER CLIENT_ID SECRET REDIRECT [PROMPT]   -> {url, verifier, state, nonce}
//   callback ISSUER CLIENT_ID SECRET CALLBACK_URL VERIFIER STATE NONCE
//                                                     -> {id_token, claims}
//   logout ISSUER CLIENT_ID SECRET ID_TOKEN POST_LOGOUT_REDIRECT STATE -> {url}
//   backchannel ISSUER CLIENT_ID PORT                 -> serves POST /backchannel; prints
//        {"listening": true}, then per logout_token {claims} or {error}, each verified with
//        jose against the issuer's JWKS as Back-Channel Logout 1.0 section 2.6 says.
import http from "node:http";
import * as client from "openid-client";
import * as jose from "jose";

const [command, issuer, clientId, ...rest] = process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

async function discover(secret) {
  // The test server's issuer is http on loopback: openid-client refuses that unless told.
  return client.discovery(new URL(issuer), clientId, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
}

async function start([secret, redirect, prompt]) {
  const config = await discover(secret);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters = {
    redirect_uri: redirect,
    scope: "openid files:read",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  };
  if (prompt) parameters.prompt = prompt;
  const url = client.buildAuthorizationUrl(config, parameters);
  print({ url: url.href, verifier, state, nonce });
}

async function callback([secret, callbackUrl, verifier, state, nonce]) {
  const config = await discover(secret);
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  print({ id_token: tokens.id_token, claims: tokens.claims() });
}

async function logout([secret, idToken, postLogoutRedirect, state]) {
  const config = await discover(secret);
  const url = client.buildEndSessionUrl(config, {
    id_token_hint: idToken,
    post_logout_redirect_uri: postLogoutRedirect,
    state,
  });
  print({ url: url.href });
}

const EVENT = "http://schemas.openid.net/event/backchannel-logout";

async function verifyLogoutToken(config, token) {
  const metadata = config.serverMetadata();
  const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri));
  const { payload } = await jose.jwtVerify(token, jwks, {
    issuer: metadata.issuer,
    audience: clientId,
    typ: "logout+jwt",
    requiredClaims: ["iat", "jti", "events"],
  });
  if (!payload.events || typeof payload.events[EVENT] !== "object") {
    throw new Error("no back-channel logout event");
  }
  if ("nonce" in payload) throw new Error("a logout_token must not carry a nonce");
  if (!payload.sub && !payload.sid) throw new Error("neither sub nor sid");
  return payload;
}

async function backchannel([port]) {
  const config = await discover(undefined);
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", async () => {
      const token = new URLSearchParams(body).get("logout_token") || "";
      try {
        const claims = await verifyLogoutToken(config, token);
        print({ claims });
        response.writeHead(200, { "Cache-Control": "no-store" }).end();
      } catch (error) {
        print({ error: String(error) });
        response.writeHead(400).end();
      }
    });
  });
  server.listen(Number(port), "127.0.0.1", () => print({ listening: true }));
}

const commands = { start, callback, logout, backchannel };
commands[command](rest).catch((error) => {
  print({ error: String(error), cause: String(error.cause || "") });
  process.exit(1);
});
