"""Small word lists: Kazakh given names, Kazakhstan's regions and cities, words that look like names but are not.

Written as data so staff can see and extend what the heuristics know. Names and places are stored in their base
(nominative) form, in the scripts they are written in; inflected forms are found by suffix stripping.
"""

from __future__ import annotations


def _split(text: str) -> list[str]:
    """Words of a data block (one string per list keeps the lists readable)."""
    return text.split()


# Common Kazakh given names (Cyrillic), by gender. Not exhaustive: a name missing here is still found when it is
# capitalised inside a sentence; the list catches names at the start of a sentence and tells the gender.
KAZAKH_MALE_NAMES = _split(
    """
Абай Абылай Адиль Айбек Айдар Айдос Айдын Алибек Алихан Алмас Алпамыс Амир Ансар Арман Арсен Арслан Асан Асет Аскар
Асқар Аслан Ауезхан Ахмет Әлихан Әділ Бағдат Бақыт Бауыржан Бахтияр Батыр Бейбіт Бекзат Болат Ғалым Дамир Данияр
Дастан Дархан Диас Ерасыл Ербол Ерғали Ержан Еркебұлан Еркін Ерлан Ермек Ерназар Ернар Ертай Есен Жандос Жасұлан
Жомарт Зейнолла Ислам Исмаил Қайрат Қанат Қуаныш Мадияр Мақсат Марат Мейірхан Мирас Мұхтар Мұрат Нұрбол Нұрдәулет
Нұржан Нұрлан Нұрсұлтан Олжас Рамазан Ринат Руслан Рустем Сағат Самат Санжар Сапар Серік Серікбол Сұлтан Талғат
Тимур Төлеген Ұлан Фархат Шыңғыс Ілияс Ильяс Кайрат Канат Куаныш Мухтар Мурат Нурлан Нуржан Нурсултан Галым Серик
Султан Талгат Шынгыс Ернур Елдос Бекарыс Бекжан Абылайхан Әлішер Алишер Эльдар Темірлан Темирлан Әли Али Омар Юсуф
Ибрагим Мухаммед Мұхаммед Хасан Хусейн Билал Абдулла Абдурахман Айсултан Айсұлтан Нұрислам Нурислам Исмаиль Амирхан
"""
)

KAZAKH_FEMALE_NAMES = _split(
    """
Айгерим Айгүл Айдана Айжан Айзада Айнұр Айсұлу Айша Ақбота Ақерке Ақмарал Алия Алма Аружан Асель Әсел Әсем Асем
Әйгерім Балжан Балнұр Ботагөз Гүлжан Гүлмира Гүлнар Гүлнара Гүлсім Дана Дариға Дина Динара Жадыра Жазира Жанар
Жанель Жаннат Жұлдыз Зарина Зере Индира Камила Қарлығаш Ләззат Мадина Мәдина Мақпал Малика Меруерт Назерке Назгүл
Нұргүл Перизат Раушан Роза Сабина Салтанат Сәуле Сая Сымбат Томирис Ұлжан Ұлпан Фатима Хадиша Шолпан Эльмира Айгуль
Айнур Айсулу Акбота Акерке Аяжан Баян Гульмира Гульнар Гульнара Жулдыз Назгуль Нургуль Улжан Улпан Сауле Дильназ
Дильназ Диляра Жансая Жасмин Амина Аминат Асия Асима Аяна Айым Аида Зейнеп Марьям Мариям Мерей Медина Хадижа Самира
Сафия Сумайя Аиша Хава Зайнаб Зейнаб Мадинa Рабига Рабиға Әмина Ясмин
"""
)

KAZAKH_NAMES: dict[str, str] = {
    **dict.fromkeys(KAZAKH_MALE_NAMES, "masc"),
    **dict.fromkeys(KAZAKH_FEMALE_NAMES, "femn"),
}

# Latin spellings met in English text (passports, social media).
LATIN_MALE_NAMES = _split(
    """
Abai Abay Adil Aibek Aidar Aidos Alibek Alikhan Almas Amir Ansar Arman Arsen Aslan Askar Bauyrzhan Baurzhan Bolat
Daniyar Daniar Dastan Darkhan Dias Erasyl Yerasyl Erbol Yerbol Erzhan Yerzhan Erlan Yerlan Ermek Yermek Ernar Yernar
Islam Kairat Kanat Kuanysh Madiyar Maksat Marat Miras Mukhtar Murat Nurbol Nurzhan Nurlan Nursultan Olzhas Ramazan
Rinat Ruslan Rustem Samat Sanzhar Serik Sultan Talgat Timur Temirlan Ilyas Alisher Eldar Omar Yusuf Ibrahim Hasan
Bilal Abdulla Amirkhan Nurislam Aisultan Yeldos Eldos Bekarys Bekzat Batyr Galym Zhandos Zhomart
"""
)

LATIN_FEMALE_NAMES = _split(
    """
Aigerim Aigul Aidana Aizhan Aizada Ainur Aisulu Aisha Akbota Akerke Akmaral Aliya Alia Alma Aruzhan Asel Assel Asem
Assem Balzhan Botagoz Gulmira Gulnar Gulnara Dana Dariga Dina Dinara Zhadyra Zhazira Zhanar Zhanel Zhannat Zhuldyz
Zarina Zere Indira Kamila Lazzat Madina Makpal Malika Meruert Nazerke Nazgul Nurgul Perizat Raushan Roza Sabina
Saltanat Saule Symbat Tomiris Ulzhan Ulpan Fatima Khadisha Sholpan Elmira Dilnaz Zhansaya Amina Asiya Ayana Aida
Zeinep Mariam Maryam Merey Medina Samira Safiya Zainab Ayazhan Bayan
"""
)

LATIN_NAMES: dict[str, str] = {**dict.fromkeys(LATIN_MALE_NAMES, "masc"), **dict.fromkeys(LATIN_FEMALE_NAMES, "femn")}

# Kazakhstan's regions and cities, and a few district centres, in kk, ru and en spellings.
PLACES = _split(
    """
Алматы Алма-Ата Астана Нұр-Сұлтан Нур-Султан Шымкент Ақтөбе Актобе Атырау Ақтау Актау Қарағанды Караганда Тараз
Түркістан Туркестан Қызылорда Кызылорда Павлодар Петропавл Петропавловск Өскемен Усть-Каменогорск Семей
Семипалатинск Қостанай Костанай Орал Уральск Көкшетау Кокшетау Талдықорған Талдыкорган Жезқазған Жезказган Теміртау
Темиртау Екібастұз Экибастуз Рудный Жаңаөзен Жанаозен Кентау Сарыағаш Сарыагаш Қонаев Конаев Қапшағай Капчагай
Байқоңыр Байконур Балқаш Балхаш Сатпаев Арқалық Аркалык Жетісай Жетысай Шардара Арыс Ленгер Түлкібас Тюлькубас
Сайрам Мақтаарал Мактаарал Қазығұрт Казыгурт Отырар Созақ Сузак Шиелі Шиели Жаңақорған Жанакорган Арал Аральск
Қордай Кордай Шу Мерке Есік Иссык Талғар Талгар Қаскелең Каскелен Үшарал Зайсан Аягөз Аягоз Риддер Лисаковск
Степногорск Щучинск Бурабай Боровое Хромтау Кандыагаш Қандыағаш Шалқар Шалкар Ембі Эмба Бейнеу Форт-Шевченко Құлсары
Кульсары Жаркент Текелі Текели Ақмола Акмола Ақтөбе Алматы Атырау Жамбыл Жетісу Жетысу Қарағанды Қостанай Қызылорда
Маңғыстау Мангистау Павлодар Түркістан Ұлытау Улытау Абай Шығыс Восточно-Казахстанская Батыс Западно-Казахстанская
Солтүстік Северо-Казахстанская Almaty Astana Shymkent Aktobe Atyrau Aktau Karaganda Karagandy Taraz Turkistan
Turkestan Kyzylorda Pavlodar Petropavl Petropavlovsk Oskemen Ust-Kamenogorsk Semey Kostanay Oral Uralsk Kokshetau
Taldykorgan Zhezkazgan Temirtau Ekibastuz Zhanaozen Kentau Saryagash Konaev Kapchagay Baikonur Balkhash Satpayev
Arkalyk Zhetisay Shardara Arys Lenger Sairam Maktaaral Kazygurt Otrar Shieli Aral Kordai Merke Esik Talgar Kaskelen
Zaisan Ayagoz Ridder Burabay Khromtau Kandyagash Shalkar Beineu Zharkent Tekeli Akmola Zhambyl Zhetysu Mangystau
Mangistau Ulytau
"""
)

#: Region adjectives in Russian ("Алматинская область"), matched by stem.
RUSSIAN_REGION_ADJECTIVES = _split(
    """
Алматинская Акмолинская Актюбинская Атырауская Жамбылская Карагандинская Костанайская Кызылординская Мангистауская
Павлодарская Туркестанская Южно-Казахстанская Восточно-Казахстанская Западно-Казахстанская Северо-Казахстанская
Жетысуская Улытауская Абайская Шымкентская Астанинская
"""
)

#: Words that follow a place name and belong to it ("Түркістан облысы", "Шымкентская область", "Almaty region").
PLACE_TAILS = _split(
    """
облысы облыс ауданы аудан қаласы қала ауылы ауыл кенті көшесі область области областью областей район района районе
районом город города городе городом село села селе селом посёлок посёлка посёлке поселок поселка поселке аул аула
ауле region oblast district city village town
"""
)

#: Countries: named in many of these stories and not identifying by themselves, except the places of conflict.
COUNTRIES_NOT_FLAGGED = ["Қазақстан", "Казахстан", "Kazakhstan", "Қазақстанда", "Казахстане"]

CONFLICT_COUNTRIES = _split(
    """
Сирия Syria Ирак Iraq Ауғанстан Афганистан Afghanistan Түркия Турция Turkey Türkiye Йемен Yemen Ливия Libya Сомали
Somalia Мосул Mosul Ракка Raqqa Алеппо Aleppo Идлиб Idlib Багдад Baghdad Дамаск Damascus Хасеке Hasakah Аль-Хол
Al-Hol Рож Roj
"""
)

#: Capitalised words that are not names (checked after suffix stripping, lower-case).
NOT_NAMES = {
    "kk": set(
        _split(
            """
мен сен сіз ол біз сендер сіздер олар менің сенің оның біздің сіздің олардың бұл сол осы анау мына кім не қашан
қайда неге қалай және бірақ сонда сосын кейін алдымен иә жоқ рахмет сәлем сәлеметсіз ана әке апа ата әже аға әпке
іні қарындас бала балалар мама папа ағай апай тәте құдай алла аллаһ жаратушы пайғамбар мұхаммед наурыз ораза құрбан
айт жаңа жыл мектеп сынып мұғалім дәрігер жексенбі дүйсенбі сейсенбі сәрсенбі бейсенбі жұма сенбі қазақ орыс қазақша
орысша ағылшын ағылшынша тілі тіл отбасы үй ауыл қала
"""
        )
    ),
    "ru": set(
        _split(
            """
я ты он она оно мы вы они вас вам вами ваш ваша ваше ваши бог господь аллах пророк мама папа бабушка дедушка тётя
тетя дядя брат сестра сын дочь школа учитель новый год рождество наурыз ураза курбан айт понедельник вторник среда
четверг пятница суббота воскресенье казах казахский русский английский интернет ватсап
"""
        )
    ),
    "en": set(
        _split(
            """
i i'm i've i'll i'd me my mom mum dad mother father grandma grandmother grandpa grandfather granny grandad auntie
aunt uncle brother sister son daughter teacher god allah prophet lord mr mrs ms miss dr monday tuesday wednesday
thursday friday saturday sunday january february march april may june july august september october november
december english russian kazakh arabic muslim islam christmas eid ramadan nauryz internet whatsapp the a an and but
so then we they he she it our their his her this that there when what where why how yes no oh ok okay hello hi thank
thanks please school class maths math physics chemistry biology history geography art music youtube minecraft
tiktok instagram telegram google facebook roblox pubg zoom
"""
        )
    ),
}

#: Capitalised words that name an organisation or an event, not a person ("Adaptation Centre", "Football Cup").
ORGANISATION_WORDS = set(
    _split(
        """
centre center cup club team foundation fund ministry hospital clinic university college academy programme program
project department office committee association union league church mosque company group festival olympiad
орталығы орталық қоры министрлігі мешіті ауруханасы университеті колледжі клубы командасы
центр центра центре фонд фонда министерство больница университет колледж клуб команда мечеть
"""
    )
)

#: Given names that are also ordinary words: found only when capitalised.
COMMON_WORD_NAMES = set(
    _split(
        """
алма роза бота ай гүл нұр жұлдыз дана сая баян мерей зере ақбота шолпан раушан жазира мақпал ерке ару алмагүл сәуле
жан әсем асем бақыт бейбіт болат жомарт ислам сұлтан султан батыр мирас сапар ансар мақсат рамазан ораз айдын абай
ақерке назерке зейнеп медина мадина хава сабина амина alma roza dana joy grace hope may rose lily
"""
    )
)

#: Pseudonyms proposed for other people, by language and gender; a name found in the text is never reused.
PSEUDONYMS: dict[str, dict[str, list[str]]] = {
    "kk": {
        "masc": ["Нұрлан", "Дархан", "Бауыржан", "Самат", "Арман", "Тимур", "Ержан", "Аслан", "Қанат", "Мирас"],
        "femn": ["Гүлнар", "Жанар", "Сәуле", "Динара", "Айнұр", "Камила", "Ләззат", "Мөлдір", "Ақмарал", "Сабина"],
    },
    "ru": {
        "masc": ["Нурлан", "Дархан", "Бауыржан", "Самат", "Арман", "Тимур", "Ержан", "Аслан", "Канат", "Мирас"],
        "femn": ["Гульнар", "Жанар", "Сауле", "Динара", "Айнур", "Камила", "Лаззат", "Молдир", "Акмарал", "Сабина"],
    },
    "en": {
        "masc": ["Nurlan", "Darkhan", "Bauyrzhan", "Samat", "Arman", "Timur", "Yerzhan", "Aslan", "Kanat", "Miras"],
        "femn": ["Gulnar", "Zhanar", "Saule", "Dinara", "Ainur", "Kamila", "Lazzat", "Moldir", "Akmaral", "Sabina"],
    },
}

#: Replacements for places and identifiers, by language.
PLACE_REPLACEMENT = {"kk": "өзен жағасындағы ауыл", "ru": "село у реки", "en": "a village near the river"}
COUNTRY_REPLACEMENT = {"kk": "басқа ел", "ru": "другая страна", "en": "another country"}
IDENTIFIER_REPLACEMENT = {
    "phone": {"kk": "[телефон]", "ru": "[телефон]", "en": "[phone]"},
    "iin": {"kk": "[ЖСН]", "ru": "[ИИН]", "en": "[IIN]"},
    "email": {"kk": "[эл. пошта]", "ru": "[эл. почта]", "en": "[e-mail]"},
    "address": {"kk": "[мекенжай]", "ru": "[адрес]", "en": "[address]"},
    "school": {"kk": "[мектеп]", "ru": "[школа]", "en": "[school]"},
}
UNKNOWN_NAME_REPLACEMENT = {"kk": "[есім]", "ru": "[имя]", "en": "[name]"}
