"""The CDK app: one construct per concern under a thin stack."""
