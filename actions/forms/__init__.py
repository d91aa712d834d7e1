"""Form validation and question-asking actions, one module per form."""
