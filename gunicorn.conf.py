"""gunicorn's settings for `make serve-production` (docs/deployment.md).

gunicorn reads this file itself; Django's settings are still read only by
joinedup/settings.py. Each value can be set from the environment gunicorn
documents (GUNICORN_CMD_ARGS) or the few named here.
"""

import multiprocessing
import os

wsgi_app = "joinedup.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Processes, one thread each by default. A page is mostly Python (the ORM
# building the access policy's queries) between twenty-odd short queries;
# two threads of one process then take turns at the interpreter lock, and
# each query's answer waits for the other's turn to end, which doubled the
# slowest child pages under load (docs/deployment.md, sizing).
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# One thread: the sync worker, which takes a connection only when it is free.
# A one-thread gthread worker goes on accepting connections while it serves a
# slow request (a PDF pack made in the request), and queues fast pages behind
# it while other workers sit idle. The sync worker keeps no idle connections
# open; the TLS proxy in front holds the browsers' (docs/deployment.md).
worker_class = "sync" if threads == 1 else "gthread"
# A subject access PDF can take a while; everything longer is a background job.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Access log without query strings: a search's query string is personal data.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
