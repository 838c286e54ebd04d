"""The knowledge base: help articles, their public help centre, and retrieval
over their passages for the assistant and the widget's article search."""
