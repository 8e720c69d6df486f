"""LTI 1.3 Advantage as a tool: OIDC login and launch, platform registration, NRPS roster pull and
AGS grade passback (see gateway/README.md, "LTI 1.3")."""
