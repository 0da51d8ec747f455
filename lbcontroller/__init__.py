"""lbcontroller: a Kubernetes LoadBalancer controller for several clouds."""
