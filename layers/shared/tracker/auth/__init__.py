"""Identity: JWT verification settings and the API Gateway authorizer's building blocks."""
