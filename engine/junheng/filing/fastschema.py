"""The filing models' core schema, every model a typed dict.

Written by ``fastgen.py`` (``python -m junheng.filing.fastgen``), not by hand."""

from junheng.filing import coerce

SCHEMA = {
    "type": "definitions",
    "schema": {
        "type": "typed-dict",
        "fields": {
            "schema_version": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "function-before",
                    "function": {"type": "no-info", "function": coerce.not_a_boolean},
                    "schema": {"type": "literal", "expected": [1]},
                },
                "required": True,
            },
            "district": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "function-before",
                    "function": {"type": "no-info", "function": coerce.district_defaults},
                    "schema": {
                        "type": "typed-dict",
                        "fields": {
                            "code": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "function-before",
                                    "function": {"type": "no-info", "function": coerce.identifier},
                                    "schema": {"type": "str", "pattern": "^[1-9][0-9]{5}$"},
                                },
                                "required": True,
                            },
                            "name": {"type": "typed-dict-field", "schema": {"type": "str"}, "required": True},
                            "year": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "union",
                                    "mode": "left_to_right",
                                    "choices": [
                                        {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                        {
                                            "type": "function-before",
                                            "function": {"type": "no-info", "function": coerce.whole_number},
                                            "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                        },
                                    ],
                                },
                                "required": True,
                            },
                            "standard": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "default",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {"type": "str", "pattern": "^[a-z][a-z0-9_-]*$"},
                                    },
                                    "default": "basic",
                                },
                                "required": False,
                            },
                        },
                        "extra_behavior": "forbid",
                        "strict": True,
                        "config": {"extra_fields_behavior": "forbid", "strict": True},
                    },
                    "ref": "District",
                },
                "required": True,
            },
            "finance": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "function-before",
                    "function": {"type": "no-info", "function": coerce.finance_not_empty},
                    "schema": {
                        "type": "typed-dict",
                        "fields": {
                            "gdp": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                                },
                                "required": False,
                            },
                            "regular_revenue": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "YearPair"},
                                    },
                                },
                                "required": False,
                            },
                            "general_expenditure": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "YearPair"},
                                    },
                                },
                                "required": False,
                            },
                            "education_appropriation": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "YearPair"},
                                    },
                                },
                                "required": False,
                            },
                            "fiscal_education_funds": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                                },
                                "required": False,
                            },
                            "per_student_expenditure": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "LevelPair"},
                                    },
                                },
                                "required": False,
                            },
                            "per_student_public_funds": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "LevelPair"},
                                    },
                                },
                                "required": False,
                            },
                            "teacher_salary": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "YearPairYuan"},
                                    },
                                },
                                "required": False,
                            },
                            "civil_servant_salary": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                                },
                                "required": False,
                            },
                            "capital_budget": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {
                                            "type": "typed-dict",
                                            "fields": {
                                                "total": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                                "education": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                            },
                                            "extra_behavior": "forbid",
                                            "strict": True,
                                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                                            "ref": "CapitalBudget",
                                        },
                                    },
                                },
                                "required": False,
                            },
                            "taxes": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {
                                            "type": "typed-dict",
                                            "fields": {
                                                "vat": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                                "consumption": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                                "business": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                            },
                                            "extra_behavior": "forbid",
                                            "strict": True,
                                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                                            "ref": "Taxes",
                                        },
                                    },
                                },
                                "required": False,
                            },
                            "local_education_surcharge": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "Surcharge"},
                                    },
                                },
                                "required": False,
                            },
                            "education_surcharge": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {"type": "definition-ref", "schema_ref": "Surcharge"},
                                    },
                                },
                                "required": False,
                            },
                            "land_transfer": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {
                                            "type": "typed-dict",
                                            "fields": {
                                                "income": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                                "to_education": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                            },
                                            "extra_behavior": "forbid",
                                            "strict": True,
                                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                                            "ref": "LandTransfer",
                                        },
                                    },
                                },
                                "required": False,
                            },
                            "new_education_funds": {
                                "type": "typed-dict-field",
                                "schema": {
                                    "type": "nullable",
                                    "schema": {
                                        "type": "function-after",
                                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                                        "schema": {
                                            "type": "typed-dict",
                                            "fields": {
                                                "total": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                                "rural_weak": {
                                                    "type": "typed-dict-field",
                                                    "schema": {
                                                        "type": "nullable",
                                                        "schema": {
                                                            "type": "float",
                                                            "ge": 0,
                                                            "le": 1000000000000000,
                                                            "allow_inf_nan": False,
                                                        },
                                                    },
                                                    "required": False,
                                                },
                                            },
                                            "extra_behavior": "forbid",
                                            "strict": True,
                                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                                            "ref": "NewEducationFunds",
                                        },
                                    },
                                },
                                "required": False,
                            },
                        },
                        "extra_behavior": "forbid",
                        "strict": True,
                        "config": {"extra_fields_behavior": "forbid", "strict": True},
                    },
                    "ref": "Finance",
                },
                "required": True,
            },
            "staffing": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "nullable",
                    "schema": {
                        "type": "function-after",
                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                        "schema": {
                            "type": "typed-dict",
                            "fields": {
                                "teacher_exchange": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {
                                                "type": "typed-dict",
                                                "fields": {
                                                    "eligible": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                    "exchanged": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                    "backbone_exchanged": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                },
                                                "extra_behavior": "forbid",
                                                "strict": True,
                                                "config": {"extra_fields_behavior": "forbid", "strict": True},
                                                "ref": "TeacherExchange",
                                            },
                                        },
                                    },
                                    "required": False,
                                },
                                "new_teachers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {"type": "definition-ref", "schema_ref": "NewStaff"},
                                        },
                                    },
                                    "required": False,
                                },
                                "new_principals": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {"type": "definition-ref", "schema_ref": "NewStaff"},
                                        },
                                    },
                                    "required": False,
                                },
                            },
                            "extra_behavior": "forbid",
                            "strict": True,
                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                            "ref": "Staffing",
                        },
                    },
                },
                "required": False,
            },
            "survey": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "nullable",
                    "schema": {
                        "type": "function-after",
                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                        "schema": {
                            "type": "typed-dict",
                            "fields": {
                                "parents": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {"type": "definition-ref", "schema_ref": "SurveyGroup"},
                                        },
                                    },
                                    "required": False,
                                },
                                "teachers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {"type": "definition-ref", "schema_ref": "SurveyGroup"},
                                        },
                                    },
                                    "required": False,
                                },
                                "deputies": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {"type": "definition-ref", "schema_ref": "SurveyGroup"},
                                        },
                                    },
                                    "required": False,
                                },
                            },
                            "extra_behavior": "forbid",
                            "strict": True,
                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                            "ref": "Survey",
                        },
                    },
                },
                "required": False,
            },
            "equity": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "nullable",
                    "schema": {
                        "type": "function-after",
                        "function": {"type": "no-info", "function": coerce.none_if_empty},
                        "schema": {
                            "type": "typed-dict",
                            "fields": {
                                "migrant_children": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {
                                                "type": "typed-dict",
                                                "fields": {
                                                    "total": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                    "in_public": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                },
                                                "extra_behavior": "forbid",
                                                "strict": True,
                                                "config": {"extra_fields_behavior": "forbid", "strict": True},
                                                "ref": "MigrantChildren",
                                            },
                                        },
                                    },
                                    "required": False,
                                },
                                "left_behind_children": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {
                                                "type": "typed-dict",
                                                "fields": {
                                                    "total": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                    "registered": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                },
                                                "extra_behavior": "forbid",
                                                "strict": True,
                                                "config": {"extra_fields_behavior": "forbid", "strict": True},
                                                "ref": "LeftBehindChildren",
                                            },
                                        },
                                    },
                                    "required": False,
                                },
                                "needy_students": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-after",
                                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                                            "schema": {
                                                "type": "typed-dict",
                                                "fields": {
                                                    "total": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                    "funded": {
                                                        "type": "typed-dict-field",
                                                        "schema": {
                                                            "type": "nullable",
                                                            "schema": {
                                                                "type": "union",
                                                                "mode": "left_to_right",
                                                                "choices": [
                                                                    {
                                                                        "type": "int",
                                                                        "ge": 0,
                                                                        "le": 1000000000000000,
                                                                        "strict": True,
                                                                    },
                                                                    {
                                                                        "type": "function-before",
                                                                        "function": {
                                                                            "type": "no-info",
                                                                            "function": coerce.whole_number,
                                                                        },
                                                                        "schema": {
                                                                            "type": "int",
                                                                            "ge": 0,
                                                                            "le": 1000000000000000,
                                                                        },
                                                                    },
                                                                ],
                                                            },
                                                        },
                                                        "required": False,
                                                    },
                                                },
                                                "extra_behavior": "forbid",
                                                "strict": True,
                                                "config": {"extra_fields_behavior": "forbid", "strict": True},
                                                "ref": "NeedyStudents",
                                            },
                                        },
                                    },
                                    "required": False,
                                },
                                "junior_retention_rate": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-before",
                                            "function": {"type": "no-info", "function": coerce.rate},
                                            "schema": {"type": "float", "ge": 0, "le": 1, "allow_inf_nan": False},
                                        },
                                    },
                                    "required": False,
                                },
                                "disabled_enrollment_rate": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-before",
                                            "function": {"type": "no-info", "function": coerce.rate},
                                            "schema": {"type": "float", "ge": 0, "le": 1, "allow_inf_nan": False},
                                        },
                                    },
                                    "required": False,
                                },
                            },
                            "extra_behavior": "forbid",
                            "strict": True,
                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                            "ref": "Equity",
                        },
                    },
                },
                "required": False,
            },
            "schools": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {
                        "type": "function-before",
                        "function": {"type": "no-info", "function": coerce.school_defaults},
                        "schema": {
                            "type": "typed-dict",
                            "fields": {
                                "id": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "function-before",
                                        "function": {"type": "no-info", "function": coerce.identifier},
                                        "schema": {"type": "str", "pattern": "^[0-9A-Za-z_-]{1,32}$"},
                                    },
                                    "required": True,
                                },
                                "name": {
                                    "type": "typed-dict-field",
                                    "schema": {"type": "nullable", "schema": {"type": "str"}},
                                    "required": False,
                                },
                                "level": {
                                    "type": "typed-dict-field",
                                    "schema": {"type": "literal", "expected": ["primary", "junior"]},
                                    "required": True,
                                },
                                "location": {
                                    "type": "typed-dict-field",
                                    "schema": {"type": "literal", "expected": ["urban", "town", "rural"]},
                                    "required": True,
                                },
                                "weak": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "default",
                                        "schema": {"type": "nullable", "schema": {"type": "bool"}},
                                        "default": False,
                                    },
                                    "required": False,
                                },
                                "teaching_point": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "default",
                                        "schema": {"type": "nullable", "schema": {"type": "bool"}},
                                        "default": False,
                                    },
                                    "required": False,
                                },
                                "campus": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "function-before",
                                            "function": {"type": "no-info", "function": coerce.identifier},
                                            "schema": {"type": "str", "pattern": "^[0-9A-Za-z_-]{1,32}$"},
                                        },
                                    },
                                    "required": False,
                                },
                                "students": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "union",
                                        "mode": "left_to_right",
                                        "choices": [
                                            {"type": "int", "ge": 1, "le": 1000000000000000, "strict": True},
                                            {
                                                "type": "function-before",
                                                "function": {"type": "no-info", "function": coerce.whole_number},
                                                "schema": {"type": "int", "ge": 1, "le": 1000000000000000},
                                            },
                                        ],
                                    },
                                    "required": True,
                                },
                                "classes": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "union",
                                        "mode": "left_to_right",
                                        "choices": [
                                            {"type": "int", "ge": 1, "le": 1000000000000000, "strict": True},
                                            {
                                                "type": "function-before",
                                                "function": {"type": "no-info", "function": coerce.whole_number},
                                                "schema": {"type": "int", "ge": 1, "le": 1000000000000000},
                                            },
                                        ],
                                    },
                                    "required": True,
                                },
                                "max_class_size": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "land_area": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "float",
                                            "ge": 0,
                                            "le": 1000000000000000,
                                            "allow_inf_nan": False,
                                        },
                                    },
                                    "required": False,
                                },
                                "building_area": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "float",
                                            "ge": 0,
                                            "le": 1000000000000000,
                                            "allow_inf_nan": False,
                                        },
                                    },
                                    "required": False,
                                },
                                "teaching_aux_area": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "float",
                                            "ge": 0,
                                            "le": 1000000000000000,
                                            "allow_inf_nan": False,
                                        },
                                    },
                                    "required": False,
                                },
                                "sports_area": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "float",
                                            "ge": 0,
                                            "le": 1000000000000000,
                                            "allow_inf_nan": False,
                                        },
                                    },
                                    "required": False,
                                },
                                "equipment_value": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "float",
                                            "ge": 0,
                                            "le": 1000000000000000,
                                            "allow_inf_nan": False,
                                        },
                                    },
                                    "required": False,
                                },
                                "books": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "computers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "multimedia_classrooms": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "music_rooms": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "art_rooms": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "staff_quota": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "staff": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "teachers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "teachers_above_degree": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "teachers_mid_title": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "backbone_teachers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                                "pe_art_teachers": {
                                    "type": "typed-dict-field",
                                    "schema": {
                                        "type": "nullable",
                                        "schema": {
                                            "type": "union",
                                            "mode": "left_to_right",
                                            "choices": [
                                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                                {
                                                    "type": "function-before",
                                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                                },
                                            ],
                                        },
                                    },
                                    "required": False,
                                },
                            },
                            "extra_behavior": "forbid",
                            "strict": True,
                            "config": {"extra_fields_behavior": "forbid", "strict": True},
                        },
                        "ref": "School",
                    },
                    "min_length": 1,
                },
                "required": True,
            },
        },
        "extra_behavior": "forbid",
        "strict": True,
        "config": {"extra_fields_behavior": "forbid", "strict": True},
        "ref": "Filing",
    },
    "definitions": [
        {
            "type": "typed-dict",
            "fields": {
                "current": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
                "previous": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "YearPair",
        },
        {
            "type": "typed-dict",
            "fields": {
                "primary": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "function-after",
                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                            "schema": {"type": "definition-ref", "schema_ref": "YearPairYuan"},
                        },
                    },
                    "required": False,
                },
                "junior": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "function-after",
                            "function": {"type": "no-info", "function": coerce.none_if_empty},
                            "schema": {"type": "definition-ref", "schema_ref": "YearPairYuan"},
                        },
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "LevelPair",
        },
        {
            "type": "typed-dict",
            "fields": {
                "current": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
                "previous": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "YearPairYuan",
        },
        {
            "type": "typed-dict",
            "fields": {
                "collected": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
                "to_education": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {"type": "float", "ge": 0, "le": 1000000000000000, "allow_inf_nan": False},
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "Surcharge",
        },
        {
            "type": "typed-dict",
            "fields": {
                "total": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "union",
                            "mode": "left_to_right",
                            "choices": [
                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                {
                                    "type": "function-before",
                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                },
                            ],
                        },
                    },
                    "required": False,
                },
                "rural_weak": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "union",
                            "mode": "left_to_right",
                            "choices": [
                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                {
                                    "type": "function-before",
                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                },
                            ],
                        },
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "NewStaff",
        },
        {
            "type": "typed-dict",
            "fields": {
                "respondents": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "union",
                            "mode": "left_to_right",
                            "choices": [
                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                {
                                    "type": "function-before",
                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                },
                            ],
                        },
                    },
                    "required": False,
                },
                "satisfied": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "nullable",
                        "schema": {
                            "type": "union",
                            "mode": "left_to_right",
                            "choices": [
                                {"type": "int", "ge": 0, "le": 1000000000000000, "strict": True},
                                {
                                    "type": "function-before",
                                    "function": {"type": "no-info", "function": coerce.whole_number},
                                    "schema": {"type": "int", "ge": 0, "le": 1000000000000000},
                                },
                            ],
                        },
                    },
                    "required": False,
                },
            },
            "extra_behavior": "forbid",
            "strict": True,
            "config": {"extra_fields_behavior": "forbid", "strict": True},
            "ref": "SurveyGroup",
        },
    ],
}
