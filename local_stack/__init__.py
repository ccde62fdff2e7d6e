"""The local stack: the whole tracker on DynamoDB Local and SeaweedFS, for development only.

Never shipped to Lambda (it lives outside ``layers/`` and ``functions/``).
"""
