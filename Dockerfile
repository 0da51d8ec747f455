# syntax=docker/dockerfile:1
# The lbcontroller image: a wheel built in a throwaway stage, installed with every cloud SDK
# ([all]) into a slim runtime that runs as a non-root user (65532, as the Helm chart expects).
#   docker build -t lbcontroller:0.1.0 .

FROM python:3.11-slim AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY lbcontroller ./lbcontroller
COPY providers ./providers
# The package and all its dependencies as wheels, so the final stage needs no compiler or index.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[all]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels "lbcontroller[all]"
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["lbcontroller"]
CMD ["run", "--config", "/etc/lbcontroller/config.yaml"]
