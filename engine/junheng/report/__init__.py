"""What a check produced and how it is shown: the result, numbers, where reports go, output formats."""
