"""The contents of the demo safety plans (fictional). Scenarios map a kind to
(steps, whom to call, what to carry)."""

from __future__ import annotations

from typing import Any

SIDRA = {
    "pseudonym": "Sidra",
    "legal_name": "Salma Ben Youssef (fictional)",
    "phone": "+216 20 555 014",
    "gender": "woman",
    "age_group": "30_44",
    "sector": "journalism",
    "country": "TN",
    "region": "TN-11",
    "languages": "ar,fr",
    "organisation": "Radio Sawt al-Hay (fictional)",
}

CEIBA_V1: dict[str, Any] = {
    "language": "es",
    "interval": 24,
    "grace": 60,
    "duress": "girasol",
    "contacts": [
        {"name": "Ana Lucía Restrepo", "relation": "Hermana", "phone": "+57 311 555 0101"},
        {
            "name": "Padre Julián Ortega",
            "relation": "Párroco",
            "phone": "+57 312 555 0177",
            "email": "parroquia.demo@example.org",
        },
    ],
    "safe_places": ["Casa cural de la parroquia, entrada por el patio"],
    "scenarios": {
        "raid": (
            "No abrir sin orden escrita. Llamar a la hermana. Pedir nombres y placas.",
            "Ana Lucía; abogada de la asociación",
            "",
        ),
    },
}

CEIBA_V2: dict[str, Any] = {
    **CEIBA_V1,
    "interval": 12,
    "grace": 45,
    "quiet": ("22:00", "06:00"),
    "duress": None,  # keeps 'girasol'
    "contacts": [
        *CEIBA_V1["contacts"],
        {
            "name": "Dra. Camila Ochoa",
            "relation": "Abogada de la asociación",
            "phone": "+57 300 555 0190",
            "signal": "+57 300 555 0190",
            "language": "es",
        },
    ],
    "safe_places": [
        "Casa cural de la parroquia, entrada por el patio",
        "Oficina de la Defensoría en Medellín (horario de oficina)",
    ],
    "scenarios": {
        **CEIBA_V1["scenarios"],
        "travel": (
            "Avisar la ruta y la hora de llegada. Viajar de día, nunca sola por la vía al río.",
            "Hermana al salir y al llegar",
            "Cédula, cargador, lista de teléfonos en papel",
        ),
        "online_attack": (
            "No responder. Capturar pantallas con fecha. Cambiar contraseñas desde otro equipo.",
            "Equipo de seguridad digital de la organización",
            "",
        ),
    },
}

MVULE: dict[str, Any] = {
    "language": "en",
    "interval": 24,
    "grace": 30,
    "quiet": ("23:00", "05:30"),
    "duress": "mango season",
    "contacts": [
        {
            "name": "Achieng Otieno",
            "relation": "Sister",
            "phone": "+254 722 555 031",
            "signal": "+254 722 555 031",
        },
        {
            "name": "Peter Mwangi",
            "relation": "Colleague, Haki Pwani",
            "phone": "+254 733 555 087",
            "email": "peter.demo@example.org",
        },
        {
            "name": "Advocate Fatma Said",
            "relation": "Lawyer",
            "phone": "+254 711 555 046",
            "email": "fatma.demo@example.org",
            "language": "en",
        },
        {
            "name": "Regional protection desk",
            "relation": "Partner NGO",
            "email": "desk.demo@example.org",
            "other_channel": "Hotline 0800 555 000",
        },
        {"name": "Brother Otieno", "relation": "Brother", "phone": "+254 701 555 012"},
    ],
    "safe_places": [
        "Parish hall of St Anne's, key with the caretaker",
        "Colleague's flat in Nyali (ask Peter for the address)",
        "Partner NGO guest room in Nairobi, for more than three nights",
    ],
    "scenarios": {
        "arrest": (
            "Stay calm; ask which station and on what charge. Say you want your lawyer. "
            "Sign nothing. Give the name of the station to whoever can hear.",
            "Advocate Fatma Said, then Peter",
            "ID card, lawyer's card, medication for two days",
        ),
        "raid": (
            "Do not resist. Ask for the warrant and the officers' names. Note car plates. "
            "Afterwards list what was taken and photograph the damage.",
            "Peter, then the protection desk",
            "Keep copies of case files off site",
        ),
        "abduction": (
            "If you miss a check-in and cannot be reached for two hours, contacts call the "
            "police and the protection desk, then hospitals, in that order.",
            "Achieng, protection desk, Advocate Said",
            "Phone with location sharing on for family only",
        ),
        "online_attack": (
            "Do not answer. Screenshot with date and link. Report the posts. Change passwords "
            "from a clean device; check two-step login is on.",
            "Digital security helpline of the partner NGO",
            "",
        ),
        "travel": (
            "Share route and arrival time. Travel by day; use the registered taxi. Check in "
            "on arrival and before the return trip.",
            "Achieng on departure and arrival",
            "ID, charger, paper list of numbers, cash for a night",
        ),
        "family_threatened": (
            "Write down exactly what was said, when and by whom. Children stay with Achieng "
            "until the team reviews the risk.",
            "Achieng, Peter, the caseworker",
            "School contacts of the children",
        ),
    },
}

BAOBAB: dict[str, Any] = {
    "language": "fr",
    "interval": 48,
    "grace": 120,
    "duress": "jacaranda",
    "contacts": [
        {
            "name": "Sœur Marie-Claire",
            "relation": "Refuge partenaire",
            "phone": "+256 772 555 044",
            "language": "fr",
        },
        {"name": "Daniel K.", "relation": "Ami", "signal": "+256 701 555 063", "language": "en"},
    ],
    "safe_places": ["Refuge partenaire (adresse connue de Sœur Marie-Claire)"],
    "scenarios": {
        "family_threatened": (
            "Ne pas rentrer chez la famille sans en parler à l'équipe.",
            "Sœur Marie-Claire",
            "",
        ),
        "online_attack": (
            "Ne pas répondre. Faire des captures d'écran. Signaler les publications.",
            "Daniel K.",
            "",
        ),
    },
}

SIDRA_PLAN: dict[str, Any] = {
    "language": "ar",
    "interval": 24,
    "grace": 30,
    "quiet": ("23:30", "06:30"),
    "duress": "ياسمين",
    "contacts": [
        {
            "name": "ليلى بن يوسف",
            "relation": "أخت",
            "phone": "+216 22 555 031",
            "signal": "+216 22 555 031",
        },
        {
            "name": "الأستاذ كريم الحداد",
            "relation": "محامٍ",
            "phone": "+216 98 555 077",
            "email": "karim.demo@example.org",
        },
        {
            "name": "مروان",
            "relation": "زميل في الإذاعة",
            "phone": "+216 55 555 019",
            "language": "fr",
        },
        {
            "name": "مكتب الحماية الإقليمي",
            "relation": "منظمة شريكة",
            "email": "desk.demo@example.org",
            "other_channel": "الخط الساخن 80 555 000",
        },
        {"name": "سامي", "relation": "جار", "phone": "+216 21 555 066"},
    ],
    "safe_places": [
        "بيت الخالة في المرسى، المفتاح عند الجارة",
        "مقرّ المنظمة الشريكة في تونس العاصمة (أوقات العمل)",
        "غرفة الضيوف لدى المحامي عند الحاجة لأكثر من ليلتين",
    ],
    "scenarios": {
        "arrest": (
            "ابقي هادئة. اسألي عن المركز والتهمة. اطلبي محاميك. لا توقّعي على أي ورقة. "
            "قولي اسم المركز بصوت مسموع لمن حولك.",
            "الأستاذ كريم الحداد ثم ليلى",
            "بطاقة التعريف، بطاقة المحامي، أدوية ليومين",
        ),
        "raid": (
            "لا تقاومي. اطلبي إذن التفتيش وأسماء الأعوان. سجّلي أرقام السيارات. "
            "بعد ذلك اكتبي قائمة بما أُخذ وصوّري الأضرار.",
            "مروان ثم مكتب الحماية",
            "احتفظي بنسخ من الملفات خارج البيت",
        ),
        "abduction": (
            "إذا فات موعد التواصل ولم يُعثر عليك خلال ساعتين، يتصل الأشخاص بالشرطة "
            "ومكتب الحماية ثم المستشفيات بهذا الترتيب.",
            "ليلى، مكتب الحماية، المحامي",
            "هاتف مع مشاركة الموقع للعائلة فقط",
        ),
        "online_attack": (
            "لا تردّي. التقطي صوراً للشاشة مع التاريخ والرابط. بلّغي عن المنشورات. "
            "غيّري كلمات المرور من جهاز آمن وفعّلي التحقق بخطوتين.",
            "خط المساعدة للأمن الرقمي لدى المنظمة الشريكة",
            "",
        ),
        "travel": (
            "شاركي الطريق وموعد الوصول. سافري نهاراً واستعملي سيارة أجرة مسجّلة. "
            "تواصلي عند الوصول وقبل العودة.",
            "ليلى عند الانطلاق والوصول",
            "بطاقة التعريف، شاحن، قائمة أرقام ورقية، مال لليلة",
        ),
        "family_threatened": (
            "اكتبي بدقة ما قيل ومتى ومن قاله. يبقى الأطفال عند ليلى حتى يراجع الفريق الخطر.",
            "ليلى، مروان، المكلّفة بالملف",
            "أرقام مدرسة الأطفال",
        ),
    },
}

# Pseudonym → the versions to save, oldest first.
PLANS: dict[str, list[dict[str, Any]]] = {
    "Ceiba": [CEIBA_V1, CEIBA_V2],
    "Mvule": [MVULE],
    "Baobab": [BAOBAB],
    "Sidra": [SIDRA_PLAN],
}
