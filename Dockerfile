# syntax=docker/dockerfile:1
# The lbcontroller image: wheels built in a throwaway stage, installed with every cloud SDK
# ([all]) into a venv in a slim runtime that runs as a non-root user (65532, as the Helm chart
# expects). The final image holds no compiler, no pip cache and not even pip.
#   docker build -t lbcontroller:0.1.0 .
# BASE selects another Debian-like base with python3 and its venv module; `make image` builds
# on one made locally (scripts/build-image.sh), since no registry is reachable there.
ARG BASE=python:3.11-slim

FROM ${BASE} AS builder
# Behind a TLS-inspecting proxy: mount its CA bundle into the build (podman build -v) and name
# it here (--build-arg PIP_CERT=...); only this stage reads it, no layer keeps it.
ARG PIP_CERT
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY lbcontroller ./lbcontroller
COPY providers ./providers
# The package and its dependencies as wheels: dependencies only as published wheels
# (--only-binary), at the versions the tests ran with (constraints.txt), so nothing is compiled
# and the final stage needs no compiler or index. A current pip first (the base's may be old).
RUN python3 -m venv /build \
 && /build/bin/pip install --no-cache-dir --disable-pip-version-check --quiet --upgrade pip \
 && /build/bin/pip wheel --no-cache-dir --disable-pip-version-check --only-binary :all: \
      --constraint constraints.txt --wheel-dir /wheels ".[all]"

FROM ${BASE}
# The builder's pip installs into a venv made without pip; neither it nor the wheels stay.
RUN --mount=type=bind,from=builder,source=/build,target=/build \
    --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python3 -m venv --without-pip /opt/lbcontroller \
 && /build/bin/pip --python /opt/lbcontroller/bin/python install --no-cache-dir \
      --disable-pip-version-check --no-index --find-links /wheels "lbcontroller[all]"
ENV PATH=/opt/lbcontroller/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["lbcontroller"]
CMD ["run", "--config", "/etc/lbcontroller/config.yaml"]
