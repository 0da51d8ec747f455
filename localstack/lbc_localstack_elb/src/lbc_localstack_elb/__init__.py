"""LocalStack plugins for lbcontroller's tests, found through entry points (see pyproject.toml).

- :mod:`lbc_localstack_elb.providers`: serve elb and elbv2 from the moto that LocalStack bundles.
- :mod:`lbc_localstack_elb.reset`: a state reset endpoint, as licensed LocalStack and moto have.
- :mod:`lbc_localstack_elb.shutdown`: make SIGTERM end the process reliably.
"""
