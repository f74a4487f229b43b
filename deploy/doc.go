// Package deploy holds no code of the course: it is the module of the
// course's deployment files — the nginx configuration (nginx/), the
// Kubernetes manifests (k8s/), the pod's seccomp profile (seccomp/) and
// the Dockerfile — and of the tests that check them against the real
// things: three replicas of the real binary behind Debian's nginx, the
// manifests decoded strictly into the Kubernetes API types, the pod's
// memory and disk computed from the course's caps, the seccomp profile
// against the sandbox's own allow-list, the image's build producing a
// static binary. It is a module of its own so that the course's go.mod
// does not carry Kubernetes' dependencies. README.md is the operator's
// guide and the capacity plan.
package deploy
