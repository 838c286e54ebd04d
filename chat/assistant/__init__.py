"""The assistant: answers a visitor's question from the knowledge base, streamed
over HTTP, and hands the chat to a person when it can't (docs/architecture.md)."""
