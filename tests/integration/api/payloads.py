"""Case-intake bodies shared by the API tests."""

KYC = {
    "client_id": "kyc-api",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Grace", "lastname": "Hopper", "birthdate": "1980-12-09"}],
}

KYB = {
    "client_id": "kyb-api",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Api Works SA",
        "registration_number": "LU-100",
        "country_of_incorporation": "LU",
        "registered_address": {"city": "Luxembourg", "country": "LU"},
    },
    "persons": [{"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"}],
    "beneficial_owners": [
        {"person_details": {"firstname": "Olga", "lastname": "Owner"}, "ownership_percentage": 60}
    ],
}
