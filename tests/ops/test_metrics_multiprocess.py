"""Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR a scrape adds up every process."""

import os
import subprocess
import sys
import textwrap

TOKEN = "metrics-token-for-tests-0123456789"

WORKER = textwrap.dedent(
    """
    import sys
    from wallet import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], "METRICS_TOKEN": sys.argv[2]})
    client = app.test_client()
    for _ in range(int(sys.argv[3])):
        client.get("/healthz")
    if sys.argv[4] == "scrape":
        print(client.get("/metrics", headers={"Authorization": f"Bearer {sys.argv[2]}"}).text)
    """
)


def _process(env, url: str, requests: int, scrape: bool = False) -> str:
    args = [sys.executable, "-c", WORKER, url, TOKEN, str(requests), "scrape" if scrape else "-"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_a_scrape_counts_the_requests_of_every_worker(app, tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    url = app.config["DATABASE_URL"]
    _process(env, url, 3)
    text = _process(env, url, 2, scrape=True)
    line = next(
        line
        for line in text.splitlines()
        if line.startswith("leerwallet_http_requests_total{") and 'endpoint="ops.healthz"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) == 5  # 3 in one process, 2 in the other
    assert "leerwallet_business_figures_up 1.0" in text
