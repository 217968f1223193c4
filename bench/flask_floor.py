"""An empty Flask app with this app's ``GET /healthz`` view: the floor a request costs on a server
before this app adds anything (bench/ingest.py serves it on the same server as the app)."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
