"""The demo site's texts, in Kazakh, Russian and English. Real sentences, so a newcomer sees what the site is for."""

HOME = {
    "title": {
        "kk": "Ұрпақтар арасындағы әңгімелер",
        "ru": "Рассказы между поколениями",
        "en": "Stories Between Generations",
    },
    "slug": {"kk": "bastu", "ru": "glavnaya", "en": "home"},
    "intro": {
        "kk": "<p>Ата-әжелер мен балалар бірге әңгіме жазады: ауыл туралы, отбасы туралы, туған жер туралы. "
        "Бұл әңгімелер балаға өзінің осы елдің азаматы екенін, отбасының бір бөлігі екенін сезінуге көмектеседі.</p>",
        "ru": "<p>Бабушки, дедушки и дети вместе записывают истории: о родном ауле, о семье, о своей земле. "
        "Эти истории помогают ребёнку почувствовать, что он — часть семьи и гражданин своей страны.</p>",
        "en": "<p>Grandparents and children record stories together: about the village, the family, the land they come "
        "from. The stories help a child feel part of the family and a citizen of the country.</p>",
    },
}

APPROACH = {
    "title": {"kk": "Әдіс туралы", "ru": "О подходе", "en": "The approach"},
    "slug": {"kk": "adis", "ru": "podhod", "en": "approach"},
    "intro": {
        "kk": "«Ұрпақтар арасындағы әңгімелер» — Сириядан және Ирактан оралған балалар мен отбасыларға арналған "
        "реинтеграция әдісі. Оны қазақстандық ҮЕҰ-лар ЮНИСЕФ пен Еуропалық Одақтың қолдауымен бірнеше өңірде сынап жатыр.",
        "ru": "«Рассказы между поколениями» — подход к реинтеграции детей и семей, вернувшихся из Сирии и Ирака. "
        "Казахстанские НПО пилотируют его в нескольких регионах при поддержке ЮНИСЕФ и Европейского союза.",
        "en": "“Stories Between Generations” is a reintegration approach for children and families who came home from "
        "Syria and Iraq, piloted by Kazakh NGOs in several regions with UNICEF and the European Union.",
    },
    "body": {
        "kk": [
            (
                "paragraph",
                "<h2>Сессия қалай өтеді</h2><p>Дайындалған фасилитатор ақсақал мен баланы кездестіреді. "
                "Олар бір тақырыпты таңдайды, ақсақал әңгімелейді, бала сұрақ қояды. Әңгіме баланың келісімімен ғана "
                "жазылады.</p>",
            ),
            (
                "paragraph",
                "<h2>Қауіпсіздік негіздері</h2><p>Баланың аты ешқашан жарияланбайды. Бала кез келген "
                "уақытта тоқтай алады, және бұл тілек әрқашан құрметтеледі. Келісімді кез келген уақытта қайтарып алуға "
                "болады.</p>",
            ),
            ("quote", {"text": "Әңгіме — ұрпақтар арасындағы көпір.", "attribution": "Фасилитатор"}),
        ],
        "ru": [
            (
                "paragraph",
                "<h2>Как проходит сессия</h2><p>Обученный фасилитатор встречается со старшим и ребёнком. "
                "Они выбирают тему, старший рассказывает, ребёнок задаёт вопросы. Запись ведётся только с согласия "
                "ребёнка и его законного представителя.</p>",
            ),
            (
                "paragraph",
                "<h2>Основы безопасности</h2><p>Имя ребёнка никогда не публикуется. Ребёнок может "
                "остановиться в любой момент, и это желание всегда уважают. Согласие можно отозвать в любое время.</p>",
            ),
            ("quote", {"text": "Рассказ — это мост между поколениями.", "attribution": "Фасилитатор"}),
        ],
        "en": [
            (
                "paragraph",
                "<h2>How a session runs</h2><p>A trained facilitator meets an elder and a child. They choose "
                "a theme, the elder tells, the child asks. A story is recorded only with the consent of the child and "
                "of the guardian.</p>",
            ),
            (
                "paragraph",
                "<h2>Safeguarding basics</h2><p>A child's name is never published. A child may stop at any "
                "moment, and that wish is always respected. Consent can be withdrawn at any time.</p>",
            ),
            ("quote", {"text": "A story is a bridge between generations.", "attribution": "Facilitator"}),
        ],
    },
}

THEMES = [
    {"slug": "family", "name": {"kk": "Отбасы", "ru": "Семья", "en": "Family"}},
    {"slug": "home-place", "name": {"kk": "Туған жер", "ru": "Родная земля", "en": "Home place"}},
    {"slug": "traditions", "name": {"kk": "Салт-дәстүр", "ru": "Традиции", "en": "Traditions"}},
]

GUIDES = [
    {
        "theme": "family",
        "age_band": "6-9",
        "title": {"kk": "Менің отбасым", "ru": "Моя семья", "en": "My family"},
        "slug": {"kk": "otbasym", "ru": "moya-semya", "en": "my-family"},
        "intro": {
            "kk": "Кішкентай балалармен отбасы туралы жылы, қарапайым сұрақтардан бастаңыз.",
            "ru": "С младшими детьми начинайте с тёплых, простых вопросов о семье.",
            "en": "With younger children, start with warm, simple questions about the family.",
        },
        "prompts": {
            "kk": ["Сіз кішкентай кезіңізде кіммен ойнадыңыз?", "Үйде қандай ас жиі пісірілетін?"],
            "ru": ["С кем вы играли, когда были маленькими?", "Какую еду чаще всего готовили дома?"],
            "en": ["Who did you play with when you were little?", "What food was cooked most often at home?"],
        },
    },
    {
        "theme": "home-place",
        "age_band": "10-13",
        "title": {"kk": "Туған жер", "ru": "Родная земля", "en": "Home place"},
        "slug": {"kk": "tugan-zher", "ru": "rodnaya-zemlya", "en": "home-place"},
        "intro": {
            "kk": "Ақсақалдың туған жері туралы әңгіме бала үшін осы жердің тарихына есік ашады.",
            "ru": "Рассказ старшего о родных местах открывает ребёнку историю этой земли.",
            "en": "An elder's story of their home place opens the history of this land to the child.",
        },
        "prompts": {
            "kk": ["Сіздің ауылыңызда қандай өзен немесе тау бар еді?", "Көктем келгенде ауылда не болатын?"],
            "ru": ["Какая река или гора была рядом с вашим аулом?", "Что происходило в ауле, когда приходила весна?"],
            "en": ["What river or mountain was near your village?", "What happened in the village when spring came?"],
        },
    },
    {
        "theme": "traditions",
        "age_band": "14-17",
        "title": {"kk": "Салт-дәстүр", "ru": "Традиции", "en": "Traditions"},
        "slug": {"kk": "salt-dastur", "ru": "traditsii", "en": "traditions"},
        "intro": {
            "kk": "Жасөспірімдермен дәстүрлердің мәні және олардың бүгінгі өмірдегі орны туралы сөйлесіңіз.",
            "ru": "С подростками говорите о смысле традиций и их месте в сегодняшней жизни.",
            "en": "With teenagers, talk about what traditions mean and where they fit in life today.",
        },
        "prompts": {
            "kk": ["Наурыз мерекесін қалай тойлайтын едіңіздер?", "Сізге қандай дәстүр ең маңызды?"],
            "ru": ["Как в вашей семье праздновали Наурыз?", "Какая традиция для вас самая важная?"],
            "en": ["How did your family celebrate Nauryz?", "Which tradition matters most to you?"],
        },
    },
]

STORY_INDEX = {
    "title": {"kk": "Әңгімелер", "ru": "Истории", "en": "Stories"},
    "slug": {"kk": "angimeler", "ru": "istorii", "en": "stories"},
    "intro": {
        "kk": "Отбасылар келісім берген әңгімелер ғана осында жарияланады.",
        "ru": "Здесь публикуются только истории, на публикацию которых семьи дали согласие.",
        "en": "Only stories whose families consented to publication appear here.",
    },
}

STORIES = [
    {
        "themes": ["home-place"],
        "region": "AKT",
        "languages": ["kk", "ru"],
        "title": {"kk": "Көктемгі өзен", "ru": "Весенняя река", "en": "The spring river"},
        "slug": {"kk": "koktemgi-ozen", "ru": "vesennyaya-reka", "en": "spring-river"},
        "summary": {
            "kk": "Әже немересіне көктемде тасыған өзен туралы және ауылдың бірге көпір салғаны туралы айтады.",
            "ru": "Бабушка рассказывает внуку о весеннем разливе реки и о том, как всем аулом строили мост.",
            "en": "A grandmother tells her grandson about the river's spring flood and how the whole village built a bridge.",
        },
        "body": {
            "kk": "<p>Біздің ауылда көктем ерте келетін. Өзен тасығанда балалар жағаға жүгіретін, ал үлкендер "
            "көпірді бірге жөндейтін. Ешкім үйде қалмайтын.</p>",
            "ru": "<p>В нашем ауле весна приходила рано. Когда река разливалась, дети бежали на берег, а взрослые "
            "вместе чинили мост. Никто не оставался дома.</p>",
            "en": "<p>In our village spring came early. When the river flooded, the children ran to the bank and the "
            "grown-ups mended the bridge together. Nobody stayed at home.</p>",
        },
        "quote": {
            "kk": ("Көпір бір адамның емес, бүкіл ауылдың еңбегі еді.", "Әже"),
            "ru": ("Мост был трудом не одного человека, а всего аула.", "Бабушка"),
            "en": ("The bridge was not one person's work, but the whole village's.", "Grandmother"),
        },
    },
    {
        "themes": ["traditions", "family"],
        "region": "ALA",
        "languages": ["kk"],
        "title": {"kk": "Атамның домбырасы", "ru": "Домбра моего дедушки", "en": "My grandfather's dombra"},
        "slug": {"kk": "atamnyn-dombyrasy", "ru": "dombra-dedushki", "en": "grandfathers-dombra"},
        "summary": {
            "kk": "Ата немересіне әкесінен қалған домбыраны көрсетіп, алғашқы күйді үйретеді.",
            "ru": "Дедушка показывает внучке домбру, оставшуюся от его отца, и учит её первому кюю.",
            "en": "A grandfather shows his granddaughter the dombra his father left him and teaches her a first küi.",
        },
        "body": {
            "kk": "<p>Бұл домбыра біздің үйде жетпіс жыл тұр. Әкем оны қыс кештерінде тартатын, ал біз пештің "
            "жанында отырып тыңдайтынбыз.</p>",
            "ru": "<p>Эта домбра стоит в нашем доме семьдесят лет. Мой отец играл на ней зимними вечерами, а мы "
            "сидели у печки и слушали.</p>",
            "en": "<p>This dombra has been in our house for seventy years. My father played it on winter evenings "
            "while we sat by the stove and listened.</p>",
        },
        "quote": {
            "kk": ("Күй сөзсіз айтылған әңгіме.", "Ата"),
            "ru": ("Кюй — это рассказ без слов.", "Дедушка"),
            "en": ("A küi is a story told without words.", "Grandfather"),
        },
    },
    {
        "themes": ["family"],
        "region": "AKT",
        "languages": ["ru"],
        "title": {"kk": "Наурыз көже", "ru": "Наурыз-коже", "en": ""},
        "slug": {"kk": "nauryz-kozhe", "ru": "nauryz-kozhe-ru", "en": ""},
        "summary": {
            "kk": "Әже мен немересі Наурызға көже дайындайды, ал әже оның жеті дәмінің мағынасын түсіндіреді.",
            "ru": "Бабушка и внучка готовят наурыз-коже, и бабушка объясняет смысл его семи вкусов.",
            "en": "",
        },
        "body": {
            "kk": "<p>Көженің жеті дәмі бар: су, ет, тұз, май, ұн, дән және сүт. Әрқайсысы жаңа жылдың бір тілегі.</p>",
            "ru": "<p>У коже семь вкусов: вода, мясо, соль, масло, мука, зерно и молоко. Каждый — одно пожелание "
            "на новый год.</p>",
            "en": "",
        },
        "quote": None,
    },
]
