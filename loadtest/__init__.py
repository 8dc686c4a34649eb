"""``make loadtest``: a bounded, headless load run of the CRM as deployed (gunicorn, PostgreSQL,
Redis, a Celery worker) with 10,000 deals, at 8, 16 and 32 concurrent users.

- ``run.py``: the runner (database, seed, processes, the steps, the check, the profile);
- ``processes.py``: the run's database, gunicorn, each locust step and the CPU it costs;
- ``data.py``: the data the users work on and what each of them may do;
- ``locustfile.py``: the users (managers, the director, warehouse workers);
- ``stats.py``: a step's figures from the requests' samples;
- ``check.py``: every successful move has its history row and its automation;
- ``gunicorn_conf.py``: the profile of a sample of requests inside the web workers.
"""
