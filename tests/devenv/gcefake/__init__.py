"""Tests of the Compute REST fake (devenv.gcefake), driven by the real google-cloud-compute."""
