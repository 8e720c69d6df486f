"""``peerlab ops``: operations commands and the checks behind the container image and k8s/ manifests."""
