"""Math stage: spans found and protected before Markdown, checks, macros, equation numbers, MathML."""
