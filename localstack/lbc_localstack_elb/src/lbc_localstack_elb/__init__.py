"""LocalStack provider plugin that serves elb and elbv2 from LocalStack's bundled moto.

The providers live in :mod:`lbc_localstack_elb.providers`; LocalStack finds them through the
``localstack.aws.provider`` entry points declared in this package's ``pyproject.toml``.
"""
