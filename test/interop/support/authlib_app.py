"""A relying app built on Authlib (Debian's python3-authlib) and Flask, for the interop suite.

Usage: authlib_app.py ISSUER PORT CLIENT_ID CLIENT_SECRET SCOPE

/login starts the authorization code flow (PKCE S256, state, nonce); /callback lets Authlib
exchange the code and validate the ID token (signature against Foyer's JWKS, iss, aud, nonce, exp);
/me shows what the app knows; /refresh uses the refresh token (Authlib sends its scope again);
/logout sends the browser to Foyer's end_session_endpoint.
"""
import sys
import secrets
from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, jsonify, redirect, session

issuer, port, client_id, client_secret, scope = sys.argv[1:6]
base = f"http://127.0.0.1:{port}"
app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)
oauth = OAuth(app)
oauth.register(
    "foyer",
    client_id=client_id,
    client_secret=client_secret,
    server_metadata_url=f"{issuer}/.well-known/openid-configuration",
    client_kwargs={"scope": scope, "code_challenge_method": "S256"},
)


@app.route("/login")
def login():
    return oauth.foyer.authorize_redirect(f"{base}/callback")


@app.route("/callback")
def callback():
    token = oauth.foyer.authorize_access_token()
    session["claims"] = dict(token["userinfo"])
    session["access_token"] = token["access_token"]
    session["refresh_token"] = token.get("refresh_token")
    session["id_token"] = token["id_token"]
    return redirect("/me")


@app.route("/me")
def me():
    return jsonify(claims=session.get("claims"), access_token=session.get("access_token"), has_refresh_token=bool(session.get("refresh_token")))


@app.route("/refresh")
def refresh():
    metadata = oauth.foyer.load_server_metadata()
    client = OAuth2Session(client_id, client_secret, scope=scope)
    try:
        token = client.refresh_token(metadata["token_endpoint"], refresh_token=session.get("refresh_token"))
    except Exception as err:  # the OAuth error, for the test to read
        return jsonify(error=getattr(err, "error", str(err)), description=getattr(err, "description", None)), 400
    session["access_token"] = token["access_token"]
    session["refresh_token"] = token.get("refresh_token")
    return jsonify(access_token=token["access_token"], scope=token.get("scope"), rotated=bool(token.get("refresh_token")))


@app.route("/logout")
def logout():
    metadata = oauth.foyer.load_server_metadata()
    query = urlencode({"id_token_hint": session.pop("id_token", ""), "post_logout_redirect_uri": f"{base}/"})
    session.clear()
    return redirect(f"{metadata['end_session_endpoint']}?{query}")


@app.route("/")
def home():
    return "<!doctype html><h1>Signed out of the Authlib app</h1>"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(port))
