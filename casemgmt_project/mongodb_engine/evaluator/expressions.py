"""Aggregation expressions (`$cond`, `$getField`, `$add`, ...) evaluated against one document."""

from __future__ import annotations

from typing import Any

from casemgmt_project.mongodb_engine.evaluator.values import (
    MISSING,
    Document,
    bson_type,
    compare,
    get_path,
    plain_number,
)


def evaluate(expression: Any, document: Document, variables: dict[str, Any] | None = None) -> Any:
    variables = variables or {}
    if isinstance(expression, str) and expression.startswith("$$"):
        name, _, rest = expression[2:].partition(".")
        if name == "ROOT" or name == "CURRENT":
            base = document
        elif name in variables:
            base = variables[name]
        else:
            raise NotImplementedError(f"unknown variable $${name}")
        return get_path(base, rest) if rest else base
    if isinstance(expression, str) and expression.startswith("$"):
        return get_path(document, expression[1:])
    if isinstance(expression, list):
        return [evaluate(item, document, variables) for item in expression]
    if isinstance(expression, dict):
        if len(expression) == 1:
            (operator, argument), *_ = expression.items()
            if operator.startswith("$"):
                return _apply_operator(operator, argument, document, variables)
        return {key: evaluate(value, document, variables) for key, value in expression.items()}
    return expression


def _args(argument: Any, document: Document, variables: dict) -> list[Any]:
    values = argument if isinstance(argument, list) else [argument]
    return [evaluate(value, document, variables) for value in values]


def truthy(value: Any) -> bool:
    return value not in (MISSING, None, False, 0) and not (isinstance(value, float) and value == 0)


def _apply_operator(operator: str, argument: Any, document: Document, variables: dict) -> Any:
    if operator == "$literal":
        return argument
    if operator == "$cond":
        if isinstance(argument, list):
            condition, then, otherwise = argument
        else:
            condition, then, otherwise = argument["if"], argument["then"], argument["else"]
        chosen = then if truthy(evaluate(condition, document, variables)) else otherwise
        return evaluate(chosen, document, variables)
    if operator == "$getField":
        source = argument.get("input", "$$CURRENT") if isinstance(argument, dict) else "$$CURRENT"
        field = argument["field"] if isinstance(argument, dict) else argument
        target = evaluate(source, document, variables)
        return target.get(field, MISSING) if isinstance(target, dict) else MISSING
    if operator == "$let":
        scope = dict(variables)
        for name, value in argument["vars"].items():
            scope[name] = evaluate(value, document, variables)
        return evaluate(argument["in"], document, scope)
    values = _args(argument, document, variables)
    if operator == "$ifNull":
        for value in values:
            if value not in (MISSING, None):
                return value
        return None
    if operator == "$type":
        return bson_type(values[0])
    if operator == "$in":
        needle, haystack = values
        return any(compare(needle, item) == 0 for item in (haystack or []))
    if operator in COMPARISONS:
        return COMPARISONS[operator](compare(values[0], values[1]))
    if operator == "$and":
        return all(truthy(value) for value in values)
    if operator == "$or":
        return any(truthy(value) for value in values)
    if operator == "$not":
        return not truthy(values[0])
    if operator == "$arrayElemAt":
        array, index = values
        if not isinstance(array, list) or not -len(array) <= index < len(array):
            return MISSING
        return array[index]
    if operator == "$size":
        return len(values[0])
    if operator in ("$add", "$subtract", "$multiply", "$divide"):
        if any(value in (MISSING, None) for value in values):
            return None
        numbers = [plain_number(value) for value in values]
        result = numbers[0]
        for number in numbers[1:]:
            result = {
                "$add": lambda a, b: a + b,
                "$subtract": lambda a, b: a - b,
                "$multiply": lambda a, b: a * b,
                "$divide": lambda a, b: a / b,
            }[operator](result, number)
        return result
    if operator in ("$toLower", "$toUpper"):
        text = values[0] if isinstance(values[0], str) else ""
        return text.lower() if operator == "$toLower" else text.upper()
    if operator == "$concat":
        if any(not isinstance(value, str) for value in values):
            return None
        return "".join(values)
    raise NotImplementedError(f"aggregation operator {operator}")


COMPARISONS = {
    "$eq": lambda c: c == 0,
    "$ne": lambda c: c != 0,
    "$gt": lambda c: c > 0,
    "$gte": lambda c: c >= 0,
    "$lt": lambda c: c < 0,
    "$lte": lambda c: c <= 0,
}
