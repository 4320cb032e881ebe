"""Find the people a wire story mentions and suggest tags from its text.

Pure: standard library only, never Django. The importer hands in body paragraphs and the
people it already knows, and gets plain dataclasses back. Everything is deterministic:
the same text and the same index always give the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KnownPerson:
    key: object  # the database id; opaque here
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonMention:
    name: str
    role: str = ""
    aliases: tuple[str, ...] = ()
    known_key: object | None = None


def _entries(text: str) -> frozenset[str]:
    """A gazetteer written as a comma- or line-separated list."""
    return frozenset(entry.strip() for entry in re.split(r"[,\n]", text) if entry.strip())


def _mapping(text: str) -> dict[str, str]:
    """A lookup written as comma- or line-separated "key: value" pairs."""
    pairs = (entry.split(":", 1) for entry in _entries(text))
    return {key.strip(): value.strip() for key, value in sorted(pairs)}


def _topics(text: str) -> dict[str, str]:
    """Lines of "Tag: word word ..." -> {word: tag}."""
    topics = {}
    for line in text.strip().splitlines():
        tag, words = line.split(":", 1)
        topics.update((word, tag.strip()) for word in words.split())
    return topics


# --- Gazetteers ------------------------------------------------------------------------------
# Written for this project. Entries are case-sensitive, as they appear in news copy.

COUNTRIES = _entries("""
    Afghanistan, Albania, Algeria, Andorra, Angola, Antigua and Barbuda, Argentina, Armenia, Australia, Austria,
    Azerbaijan, Bahamas, Bahrain, Bangladesh, Barbados, Belarus, Belgium, Belize, Benin, Bhutan, Bolivia, Bosnia,
    Bosnia and Herzegovina, Herzegovina, Botswana, Brazil, Brunei, Bulgaria, Burkina Faso, Burundi, Cambodia,
    Cameroon, Canada, Cape Verde, Central African Republic, Chad, Chile, China, Colombia, Comoros, Congo,
    Democratic Republic of the Congo, Costa Rica, Croatia, Cuba, Cyprus, Czech Republic, Denmark, Djibouti,
    Dominica, Dominican Republic, East Timor, Ecuador, Egypt, El Salvador, Equatorial Guinea, Eritrea, Estonia,
    Eswatini, Ethiopia, Fiji, Finland, France, Gabon, Gambia, Georgia, Germany, Ghana, Greece, Grenada, Guatemala,
    Guinea, Guinea-Bissau, Guyana, Haiti, Honduras, Hungary, Iceland, India, Indonesia, Iran, Iraq, Ireland,
    Israel, Italy, Ivory Coast, Jamaica, Japan, Jordan, Kazakhstan, Kenya, Kiribati, Kosovo, Kuwait, Kyrgyzstan,
    Laos, Latvia, Lebanon, Lesotho, Liberia, Libya, Liechtenstein, Lithuania, Luxembourg, Madagascar, Malawi,
    Malaysia, Maldives, Mali, Malta, Marshall Islands, Mauritania, Mauritius, Mexico, Micronesia, Moldova, Monaco,
    Mongolia, Montenegro, Morocco, Mozambique, Myanmar, Namibia, Nauru, Nepal, Netherlands, New Zealand, Nicaragua,
    Niger, Nigeria, North Korea, North Macedonia, Norway, Oman, Pakistan, Palau, Palestine, Panama,
    Papua New Guinea, Paraguay, Peru, Philippines, Poland, Portugal, Qatar, Romania, Russia, Rwanda,
    Saint Kitts and Nevis, Saint Lucia, Saint Vincent and the Grenadines, Samoa, San Marino, Saudi Arabia,
    Senegal, Serbia, Seychelles, Sierra Leone, Singapore, Slovakia, Slovenia, Solomon Islands, Somalia,
    South Africa, South Korea, South Sudan, Spain, Sri Lanka, Sudan, Suriname, Sweden, Switzerland, Syria, Taiwan,
    Tajikistan, Tanzania, Thailand, Timor-Leste, Togo, Tonga, Trinidad and Tobago, Trinidad, Tobago, Tunisia,
    Turkey, Turkmenistan, Tuvalu, Uganda, Ukraine, United Arab Emirates, United Kingdom, United States, Uruguay,
    Uzbekistan, Vanuatu, Vatican, Venezuela, Vietnam, Yemen, Zambia, Zimbabwe,
    England, Scotland, Wales, Northern Ireland, Greenland, Puerto Rico, Hong Kong, Macau, Somaliland
""")

# Other spellings and short forms, mapped to the name used as a tag.
COUNTRY_ALIASES = _mapping("""
    US: United States, U.S.: United States, USA: United States, U.S.A.: United States, America: United States,
    UK: United Kingdom, U.K.: United Kingdom, Britain: United Kingdom, Great Britain: United Kingdom,
    Holland: Netherlands, Burma: Myanmar, Czechia: Czech Republic, Turkiye: Turkey, Türkiye: Turkey,
    UAE: United Arab Emirates, DRC: Democratic Republic of the Congo, Côte d'Ivoire: Ivory Coast,
    Cote d'Ivoire: Ivory Coast
""")

# Nationality words, mapped to the country they point at when used as a tag.
DEMONYMS = _mapping("""
    Afghan: Afghanistan, Albanian: Albania, Algerian: Algeria, American: United States, Argentine: Argentina,
    Argentinian: Argentina, Armenian: Armenia, Australian: Australia, Austrian: Austria, Azerbaijani: Azerbaijan,
    Azeri: Azerbaijan, Bahraini: Bahrain, Bangladeshi: Bangladesh, Belarusian: Belarus, Belgian: Belgium,
    Bolivian: Bolivia, Bosnian: Bosnia and Herzegovina, Brazilian: Brazil, British: United Kingdom,
    Briton: United Kingdom, Bulgarian: Bulgaria, Burmese: Myanmar, Cambodian: Cambodia, Canadian: Canada,
    Chilean: Chile, Chinese: China, Colombian: Colombia, Congolese: Congo, Croatian: Croatia, Cuban: Cuba,
    Cypriot: Cyprus, Czech: Czech Republic, Danish: Denmark, Dutch: Netherlands, Ecuadorian: Ecuador,
    Egyptian: Egypt, Emirati: United Arab Emirates, Eritrean: Eritrea, Estonian: Estonia, Ethiopian: Ethiopia,
    Filipino: Philippines, Finnish: Finland, French: France, Georgian: Georgia, German: Germany, Ghanaian: Ghana,
    Greek: Greece, Guatemalan: Guatemala, Haitian: Haiti, Honduran: Honduras, Hungarian: Hungary, Icelandic: Iceland,
    Indian: India, Indonesian: Indonesia, Iranian: Iran, Iraqi: Iraq, Irish: Ireland, Israeli: Israel,
    Italian: Italy, Jamaican: Jamaica, Japanese: Japan, Jordanian: Jordan, Kazakh: Kazakhstan, Kenyan: Kenya,
    Kosovar: Kosovo, Kuwaiti: Kuwait, Kyrgyz: Kyrgyzstan, Latvian: Latvia, Lebanese: Lebanon, Libyan: Libya,
    Lithuanian: Lithuania, Malaysian: Malaysia, Malian: Mali, Maltese: Malta, Mexican: Mexico, Moldovan: Moldova,
    Mongolian: Mongolia, Moroccan: Morocco, Nepali: Nepal, Nepalese: Nepal, Nicaraguan: Nicaragua, Nigerian: Nigeria,
    North Korean: North Korea, Norwegian: Norway, Omani: Oman, Pakistani: Pakistan, Palestinian: Palestinians,
    Panamanian: Panama, Paraguayan: Paraguay, Peruvian: Peru, Polish: Poland, Portuguese: Portugal, Qatari: Qatar,
    Romanian: Romania, Russian: Russia, Rwandan: Rwanda, Saudi: Saudi Arabia, Scottish: Scotland,
    Senegalese: Senegal, Serbian: Serbia, Singaporean: Singapore, Slovak: Slovakia, Slovenian: Slovenia,
    Somali: Somalia, South African: South Africa, South Korean: South Korea, Spanish: Spain, Sri Lankan: Sri Lanka,
    Sudanese: Sudan, Swedish: Sweden, Swiss: Switzerland, Syrian: Syria, Taiwanese: Taiwan, Tajik: Tajikistan,
    Tanzanian: Tanzania, Thai: Thailand, Tunisian: Tunisia, Turkish: Turkey, Turkmen: Turkmenistan, Ugandan: Uganda,
    Ukrainian: Ukraine, Uruguayan: Uruguay, Uzbek: Uzbekistan, Venezuelan: Venezuela, Vietnamese: Vietnam,
    Welsh: Wales, Yemeni: Yemen, Zambian: Zambia, Zimbabwean: Zimbabwe, Gazan: Gaza
""")

# Peoples, faiths and broad groups: never people, never tags on their own.
GROUPS = _entries("""
    Arab, Arabs, Arabic, Asian, African, European, Europeans, Western, Eastern, Latino, Hispanic, Jew, Jews, Jewish,
    Muslim, Muslims, Islamic, Christian, Christians, Catholic, Catholics, Protestant, Orthodox, Sunni, Sunnis, Shia,
    Shiite, Shiites, Druze, Alawite, Alawites, Kurd, Kurds, Kurdish, Uyghur, Uyghurs, Uighur, Uighurs, Rohingya,
    Pashtun, Baloch, Baluch, Tamil, Hindu, Hindus, Sikh, Sikhs, Buddhist, Buddhists, Persian, Scot, Scots, Pole,
    Poles, Turk, Turks, Dane, Danes, Swede, Swedes, Serb, Serbs, Croat, Croats, Yazidi, Bedouin, Zionist, Israelis,
    Palestinians, Britons, English
""")

CITIES = _entries("""
    Kabul, Kandahar, Herat, Tirana, Algiers, Luanda, Buenos Aires, Yerevan, Sydney, Melbourne, Canberra, Brisbane,
    Perth, Vienna, Baku, Manama, Dhaka, Minsk, Brussels, Antwerp, Sarajevo, Brasilia, Rio de Janeiro, Sao Paulo,
    São Paulo, Sofia, Phnom Penh, Toronto, Montreal, Vancouver, Ottawa, Santiago, Beijing, Shanghai, Shenzhen,
    Guangzhou, Wuhan, Bogota, Kinshasa, Zagreb, Havana, Nicosia, Prague, Copenhagen, Cairo, Alexandria, Asmara,
    Tallinn, Addis Ababa, Helsinki, Paris, Marseille, Lyon, Nice, Strasbourg, Tbilisi, Berlin, Munich, Frankfurt,
    Hamburg, Cologne, Accra, Athens, Budapest, Reykjavik, New Delhi, Delhi, Mumbai, Kolkata, Chennai, Bangalore,
    Bengaluru, Hyderabad, Jakarta, Tehran, Baghdad, Mosul, Basra, Erbil, Dublin, Jerusalem, Tel Aviv, Haifa, Eilat,
    Rome, Milan, Naples, Venice, Florence, Turin, Tokyo, Osaka, Kyoto, Hiroshima, Amman, Astana, Almaty, Nairobi,
    Mombasa, Pristina, Kuwait City, Bishkek, Vientiane, Riga, Beirut, Tripoli, Benghazi, Vilnius, Kuala Lumpur,
    Mexico City, Monterrey, Guadalajara, Tijuana, Chisinau, Ulaanbaatar, Rabat, Casablanca, Maputo, Kathmandu,
    Amsterdam, Rotterdam, The Hague, Auckland, Wellington, Managua, Niamey, Lagos, Abuja, Pyongyang, Skopje, Oslo,
    Muscat, Islamabad, Karachi, Lahore, Peshawar, Quetta, Rawalpindi, Manila, Warsaw, Krakow, Gdansk, Lisbon,
    Porto, Doha, Bucharest, Moscow, St Petersburg, St. Petersburg, Saint Petersburg, Kigali, Riyadh, Jeddah, Mecca,
    Medina, Dakar, Belgrade, Freetown, Bratislava, Ljubljana, Mogadishu, Johannesburg, Cape Town, Pretoria, Durban,
    Seoul, Busan, Juba, Madrid, Barcelona, Seville, Valencia, Colombo, Khartoum, Stockholm, Geneva, Zurich, Bern,
    Davos, Damascus, Aleppo, Idlib, Homs, Taipei, Dushanbe, Dar es Salaam, Bangkok, Tunis, Ankara, Istanbul,
    Ashgabat, Kampala, Kyiv, Kiev, Kharkiv, Odesa, Odessa, Lviv, Dnipro, Zaporizhzhia, Mariupol, Bakhmut, Avdiivka,
    Pokrovsk, Donetsk, Luhansk, Kherson, Sevastopol, Kursk, Belgorod, Grozny, Vladivostok, Novosibirsk, Abu Dhabi,
    Dubai, London, Manchester, Liverpool, Birmingham, Leeds, Edinburgh, Glasgow, Belfast, Cardiff, Washington,
    New York, New York City, Los Angeles, Chicago, Houston, Phoenix, Philadelphia, San Antonio, San Diego, Dallas,
    San Francisco, Seattle, Boston, Miami, Atlanta, Detroit, Denver, Las Vegas, Minneapolis, St. Paul, New Orleans,
    Baltimore, Pittsburgh, Cleveland, Austin, Nashville, Portland, Orlando, Tampa, Sacramento, Tashkent, Caracas,
    Hanoi, Ho Chi Minh City, Sanaa, Aden, Hodeidah, Lusaka, Harare, Lima, Quito, La Paz, Montevideo, Asuncion,
    Panama City, San Jose, Gaza City, Rafah, Khan Younis, Khan Yunis, Deir al-Balah, Jabalia, Ramallah, Hebron,
    Jenin, Nablus,
    Tulkarm, Sderot, Ashkelon, Vatican City, Mandalay, Yangon, Naypyitaw, Srinagar, Luxor, Port-au-Prince,
    Sochi, Goma, Bamako, Ouagadougou, Nir Oz, Kfar Aza, Be'eri, Kibbutz Be'eri
""")

US_STATES = _entries("""
    Alabama, Alaska, Arizona, Arkansas, California, Colorado, Connecticut, Delaware, Florida, Georgia, Hawaii, Idaho,
    Illinois, Indiana, Iowa, Kansas, Kentucky, Louisiana, Maine, Maryland, Massachusetts, Michigan, Minnesota,
    Mississippi, Missouri, Montana, Nebraska, Nevada, New Hampshire, New Jersey, New Mexico, New York, North Carolina,
    North Dakota, Ohio, Oklahoma, Oregon, Pennsylvania, Rhode Island, South Carolina, South Dakota, Tennessee, Texas,
    Utah, Vermont, Virginia, Washington, West Virginia, Wisconsin, Wyoming, District of Columbia
""")

REGIONS = _entries("""
    Middle East, West Bank, Gaza, Gaza Strip, East Jerusalem, Golan Heights, Sinai, Negev, Galilee, Levant,
    Balochistan, Baluchistan, Kashmir, Punjab, Sindh, Khyber Pakhtunkhwa, Xinjiang, Tibet, Crimea, Donbas, Donbass,
    Kurdistan, Darfur, Sahel, Sahara, Caucasus, Chechnya, Dagestan, Siberia, Balkans, Baltics, Scandinavia, Europe,
    Asia, Africa, North America, South America, Latin America, Central America, Americas, Oceania, Antarctica,
    Arctic, Caribbean, Mediterranean, Pacific, Atlantic, Indian Ocean, Red Sea, Black Sea, Baltic Sea, Dead Sea,
    South China Sea, East China Sea, Persian Gulf, Gulf of Mexico, Gulf of Aden, Strait of Hormuz, Taiwan Strait,
    Horn of Africa, Catalonia, Bavaria, Flanders, Quebec, Ontario, Alberta, British Columbia, Patagonia,
    Silicon Valley, Midwest, Transnistria, Nagorno-Karabakh, Karabakh, Abkhazia, South Ossetia, Eastern Europe,
    Western Europe, Southeast Asia, East Asia, South Asia, Central Asia, Indo-Pacific, West Africa, East Africa,
    North Africa, Southern Africa, Hokkaido, Okinawa, Mindanao, Bali, Java, Sumatra, Borneo, Zaporizhzhia region,
    Al-Aqsa, Temple Mount, Philadelphi Corridor, Netzarim Corridor, Hormuz, Yukon
""")

# Government seats and capitals news copy uses to mean the state itself ("Moscow said").
METONYMS = _mapping("""
    Kremlin: Russia, Moscow: Russia, Kyiv: Ukraine, Kiev: Ukraine, Beijing: China, Tehran: Iran,
    Pyongyang: North Korea, Washington: United States, White House: United States, Downing Street: United Kingdom,
    Elysee: France, Élysée: France
""")

# Variant place names, mapped to the tag name.
PLACE_ALIASES = _mapping("""
    Gaza Strip: Gaza, Gaza City: Gaza, Baluchistan: Balochistan, Donbass: Donbas, Odessa: Odesa,
    New York City: New York, St Petersburg: St. Petersburg, Saint Petersburg: St. Petersburg, São Paulo: Sao Paulo
""")

ORGANISATIONS = _entries("""
    Hamas, Hezbollah, Houthi, Houthis, Taliban, Islamic State, ISIS, ISIL, al-Qaeda, al Qaeda, Al Qaeda, Al-Qaeda,
    Islamic Jihad, Fatah, PLO, Palestinian Authority, IDF, Kremlin, White House, Pentagon, State Department,
    Justice Department, Downing Street, Whitehall, Elysee, Élysée, House, Senate, Congress, Parliament, Knesset,
    Duma, State Duma, Bundestag, Supreme Court, Federal Reserve, Fed, Politburo, United Nations, UN, U.N., UNICEF,
    UNRWA, UNHCR, UNESCO, WHO, World Health Organization, Security Council, General Assembly, NATO, EU,
    European Union, European Commission, European Parliament, European Council, ICC, International Criminal Court,
    ICJ, IAEA, IMF, World Bank, WTO, OPEC, G7, G20, ASEAN, African Union, Arab League, BRICS, OSCE, Red Cross,
    Red Crescent, Amnesty International, Human Rights Watch, Doctors Without Borders, MSF, ICE, FBI, CIA, NSA, DHS,
    FEMA, CDC, FDA, NASA, SEC, DOJ, Secret Service, Border Patrol, Homeland Security, Mossad, Shin Bet, FSB, KGB,
    Wagner, Reuters, AP, Associated Press, AFP, Agence France-Presse, BBC, CNN, Fox News, NBC, CBS, ABC, NPR,
    Bloomberg, TASS, RIA, Interfax, Xinhua, Al Jazeera, New York Times, Washington Post, Wall Street Journal,
    Financial Times, Guardian, Google, Alphabet, Apple, Microsoft, Amazon, Meta, Facebook, Instagram, WhatsApp,
    TikTok, Twitter, Tesla, SpaceX, OpenAI, Nvidia, Samsung, Toyota, Boeing, Airbus, Gazprom, Rosneft,
    Goldman Sachs, JPMorgan, Morgan Stanley, Democrats, Republicans, Democratic, Republican, Labour, Conservative,
    Conservatives, Tories, Tory, Likud, Vatican, Wall Street, Capitol Hill, Capitol, Iron Dome, Boko Haram,
    Al-Shabaab, al-Shabaab, Muslim Brotherhood, Revolutionary Guards, Islamic Revolutionary Guard Corps, IRGC,
    Hayat Tahrir al-Sham, HTS, Kataib Hezbollah, Real Madrid, Manchester United, Bayern Munich, Paris Saint-Germain,
    PSG, Starlink, Truth Social, Black Lives Matter
""")

# Organisations worth tagging, under their tag name.
ORGANISATION_TAGS = _mapping("""
    Hamas: Hamas, Hezbollah: Hezbollah, Houthi: Houthis, Houthis: Houthis, Taliban: Taliban,
    Islamic State: Islamic State, ISIS: Islamic State, ISIL: Islamic State, al-Qaeda: al-Qaeda, al Qaeda: al-Qaeda,
    Al Qaeda: al-Qaeda, Al-Qaeda: al-Qaeda, Islamic Jihad: Islamic Jihad, Fatah: Fatah,
    Palestinian Authority: Palestinian Authority, NATO: NATO, EU: European Union, European Union: European Union,
    European Commission: European Union, UN: United Nations, U.N.: United Nations, United Nations: United Nations,
    Security Council: United Nations, UNRWA: UNRWA, UNICEF: UNICEF, WHO: World Health Organization,
    World Health Organization: World Health Organization, IMF: IMF, World Bank: World Bank, WTO: WTO, OPEC: OPEC,
    G7: G7, G20: G20, BRICS: BRICS, ICC: International Criminal Court,
    International Criminal Court: International Criminal Court, ICJ: International Court of Justice, IAEA: IAEA,
    Red Cross: Red Cross, Amnesty International: Amnesty International, Human Rights Watch: Human Rights Watch,
    ICE: ICE, FBI: FBI, CIA: CIA, Pentagon: Pentagon, Federal Reserve: Federal Reserve, Knesset: Knesset,
    Wagner: Wagner, Google: Google, Apple: Apple, Microsoft: Microsoft, Meta: Meta, Tesla: Tesla, OpenAI: OpenAI,
    Nvidia: Nvidia, Boeing: Boeing, TikTok: TikTok
""")

# Words that make a capitalised phrase an institution or a place rather than a person.
INSTITUTION_WORDS = _entries("""
    Ministry, Ministries, Party, Inc, Ltd, Corp, Corporation, Company, Co, LLC, PLC, Plc, AG, SA, GmbH, Group,
    Holdings, University, College, Institute, Academy, Foundation, Council, Committee, Commission, Agency,
    Authority, Department, Office, Bureau, Court, Tribunal, Army, Forces, Force, Navy, Guard, Guards, Brigade,
    Brigades, Battalion, Regiment, Corps, Militia, Police, Union, Association, Federation, Alliance, Coalition,
    Movement, Front, Organisation, Organization, Network, News, Times, Post, Journal, Herald, Tribune, Telegraph,
    Gazette, Radio, Television, TV, Bank, Fund, Trust, Club, FC, Church, Mosque, Synagogue, Temple, Cathedral,
    Hospital, Clinic, School, Airport, Airlines, Airways, Station, Port, Museum, Stadium, Arena, Palace, Tower,
    Centre, Center, Games, Cup, Olympics, Championship, Championships, League, Summit, Conference, Forum, Accord,
    Accords, Treaty, Act, Prize, Awards, Festival, Parliament, Assembly, Cabinet, Government, Administration,
    Embassy, Consulate, Prison, Camp, Refinery, Exchange, Index, Tech, Labs, Motors, Systems, Media, Studios,
    Records, Pictures, Service, Services, Council, Directorate, Command, Senate, Congress, Crisis
""")
PLACE_WORDS = _entries("""
    Street, St, Avenue, Road, Boulevard, Square, Bridge, Strip, River, Sea, Ocean, Lake, Mountains, Mount, Mt,
    Island, Islands, Valley, Province, Region, County, District, State, States, Republic, Kingdom, Emirate,
    Empire, Crossing, Border, Coast, Peninsula, Desert, Gulf, Canal, Strait, Straits, Harbour, Harbor, Heights,
    Hills, Park, Plaza, Corridor, Territory, Territories, Oblast, North, South, East, West, Northern, Southern,
    Eastern, Western, Central, Greater, Upper, Lower, New, Old, City, Town, Village, Camp, Kibbutz
""")

MONTHS = _entries("""
    January, February, March, April, May, June, July, August, September, October, November, December,
    Jan., Feb., Mar., Apr., Aug., Sep., Sept., Oct., Nov., Dec.
""")
WEEKDAYS = _entries("Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday")
HOLIDAYS = _entries("""
    Christmas, Easter, Ramadan, Eid, Eid al-Fitr, Eid al-Adha, Hanukkah, Passover, Yom Kippur, Rosh Hashanah,
    Sukkot, Purim, Thanksgiving, Diwali, Lunar New Year, New Year, Halloween, Independence Day, Memorial Day,
    Labor Day, Labour Day, Boxing Day, Good Friday, Ash Wednesday, Lent, Sabbath, Shabbat, Nowruz, Hajj,
    Black Friday, Valentine
""")
TEMPORAL = MONTHS | WEEKDAYS | HOLIDAYS
# Words that open the name of a storm or an operation ("Hurricane Melissa").
EVENT_WORDS = _entries("Hurricane, Typhoon, Cyclone, Storm, Tropical, Operation, Project, Plan")

# Capitalised words of rank and office: stripped from names, kept as the role.
TITLES = _entries("""
    President, Vice, Prime, Minister, Ministers, Secretary, Secretary-General, Chancellor, Vice-Chancellor, King,
    Queen, Prince, Princess, Crown, Emperor, Empress, Pope, Sheikh, Sheik, Emir, Sultan, Ayatollah, Grand,
    Supreme, Senator, Sen., Sens., Rep., Representative, Congressman, Congresswoman, Governor, Gov., Mayor,
    General, Gen., Lt., Lieutenant, Colonel, Col., Major, Maj., Captain, Capt., Admiral, Adm., Commander, Cmdr.,
    Sergeant, Sgt., Marshal, Brigadier, Corporal, Private, Judge, Justice, Chief, Director, Director-General,
    Ambassador, Envoy, Commissioner, Chairman, Chairwoman, Chair, Speaker, Leader, Deputy, Foreign, Defence,
    Defense, Interior, Finance, Health, Energy, Economy, Trade, Justice, Attorney, Solicitor, State, Treasury,
    Home, Officer, Spokesman, Spokeswoman, Spokesperson, Archbishop, Bishop, Cardinal, Rabbi, Imam, Reverend,
    Rev., Father, Sister, Professor, Prof., Coach, Premier, Acting, Former, Senior, Executive, CEO, CFO, COO,
    Head, President-elect, Vice-President, Lord, Lady, Baroness, Baron, Duke, Duchess, Count, Countess, Sir,
    Dame, Mr, Mr., Mrs, Mrs., Ms, Ms., Mx, Miss, Dr, Dr., Mme, Madame, Messrs, Hon., Pres., MP, Lawmaker,
    Minister-President, Taoiseach, Ombudsman, Inspector, Superintendent, Detective, Constable, Agent
""")
# Courtesy titles are dropped from names and never shown as a role.
COURTESY_TITLES = _entries("Mr, Mr., Mrs, Mrs., Ms, Ms., Mx, Miss, Dr, Dr., Mme, Madame, Messrs, Sir, Dame, Hon.")

# Place, month and title words that are also common given names or surnames ("Jordan Bardella",
# "Theresa May", "Martin Luther King Jr."): they count as names when they sit next to a name.
AMBIGUOUS_GIVEN_NAMES = _entries("""
    Jordan, Georgia, Virginia, Dakota, Florence, Victoria, Austin, Sydney, Paris, Chad, Israel, Charlotte,
    Madison, Phoenix, Sofia, Alexandria, Orlando, Santiago, Dallas, Lincoln, Christian, April, May, June, August,
    Chelsea, Kent, Devon, Camden, Brooklyn, Savannah, Montana, Nevada, Indiana
""")
AMBIGUOUS_SURNAMES = _entries("""
    Washington, Lincoln, Jordan, Houston, London, Paris, May, March, Major, King, Bishop, Prince, Judge, Pope,
    West, North, Cleveland, Austin, Dallas, Kent, Wellington, Montana, English, French, Chase, Cardinal, Marshal,
    Sheikh, Duke, Count, Florence, Holland, Chad
""")

NON_PERSON = (
    COUNTRIES
    | frozenset(COUNTRY_ALIASES)
    | frozenset(DEMONYMS)
    | frozenset(f"{word}s" for word in DEMONYMS if not word.endswith(("s", "sh", "ch", "ese", "i")))
    | GROUPS
    | CITIES
    | US_STATES
    | REGIONS
    | ORGANISATIONS
    | INSTITUTION_WORDS
    | PLACE_WORDS
    | TEMPORAL
    | EVENT_WORDS
    | TITLES
)
_NON_PERSON_WORDS = frozenset(entry for entry in NON_PERSON if " " not in entry)
_NON_PERSON_PHRASES = frozenset(entry for entry in NON_PERSON if " " in entry)
_LONGEST_PHRASE = 5

# Lowercase words that can describe a person in front of their name ("former hostage", "Kremlin leader").
ROLE_NOUNS = _entries("""
    leader, president, minister, premier, chancellor, secretary, spokesman, spokeswoman, spokesperson, official,
    adviser, advisor, aide, ambassador, envoy, diplomat, negotiator, mediator, general, commander, chief, head,
    director, chair, chairman, chairwoman, executive, founder, owner, boss, manager, coach, captain, player,
    striker, midfielder, defender, goalkeeper, champion, athlete, star, singer, actor, actress, rapper, musician,
    artist, writer, author, novelist, poet, journalist, reporter, correspondent, editor, columnist, photographer,
    anchor, host, presenter, analyst, economist, scientist, researcher, professor, lecturer, teacher, student,
    doctor, surgeon, nurse, lawyer, attorney, prosecutor, judge, magistrate, senator, congressman, congresswoman,
    lawmaker, legislator, mp, deputy, representative, governor, mayor, councillor, councilor, candidate, nominee,
    challenger, incumbent, rival, ally, critic, opponent, activist, campaigner, dissident, protester, organiser,
    organizer, hostage, captive, prisoner, detainee, inmate, suspect, defendant, victim, survivor, witness,
    refugee, migrant, soldier, sergeant, colonel, lieutenant, admiral, militant, fighter, gunman, cleric, imam,
    rabbi, priest, bishop, archbishop, cardinal, pope, king, queen, prince, princess, monarch, emperor, sheikh,
    emir, sultan, billionaire, businessman, businesswoman, entrepreneur, investor, banker, tycoon, magnate, heir,
    heiress, ceo, chef, designer, architect, engineer, pilot, astronaut, filmmaker, producer, comedian, model,
    influencer, historian, expert, specialist, consultant, strategist, pollster, whistleblower, hacker, spy,
    agent, detective, investigator, inspector, commissioner, regulator, treasurer, speaker, whip, member,
    delegate, volunteer, worker, employee, resident, citizen, neighbour, neighbor, friend, relative, partner,
    wife, husband, son, daughter, mother, father, brother, sister, fiancee, fiancée, fiance, fiancé, widow,
    widower, grandmother, grandfather, grandson, granddaughter, uncle, aunt, cousin, nephew, niece, mom, dad,
    girlfriend, boyfriend, spouse, teenager, veteran, pioneer, icon, legend, winner, laureate, cyclist, swimmer,
    runner, boxer, skier, golfer, jockey, referee, umpire, heavyweight, star, superstar, frontman, guitarist,
    drummer, dancer, ballerina, chairperson, administrator, commissar, ombudsman, envoy, attache, attaché,
    scholar, academic, physician, pastor, preacher, monk, nun, ayatollah, mufti, hostage-taker, mercenary
""")
# Lowercase words that qualify a role ("former", "defence", "opposition") without being one.
ROLE_MODIFIERS = _entries("""
    former, ex, late, then, deputy, acting, interim, senior, junior, chief, top, veteran, longtime, long-time,
    outgoing, incoming, new, newly, elected, retired, jailed, exiled, detained, imprisoned, ousted, embattled,
    disgraced, prominent, leading, fellow, foreign, defence, defense, finance, interior, justice, health,
    education, energy, economy, trade, agriculture, culture, environment, transport, labour, labor, home, state,
    national, federal, regional, local, provincial, municipal, opposition, ruling, government, military, army,
    navy, police, security, intelligence, party, union, rights, human, civil, campaign, election, presidential,
    parliamentary, prime, vice, assistant, associate, executive, general, managing, co, lead, head, special,
    independent, conservative, liberal, progressive, centrist, far-right, far-left, right-wing, left-wing,
    hardline, moderate, religious, spiritual, supreme, team, club, football, soccer, basketball, tennis, film,
    pop, rock, tech, business, media, news, sports, world, olympic, climate, environmental, peace, aid,
    humanitarian, medical, legal, tv, television, radio, newspaper, movie, music, fashion, oil, real, estate,
    private, public, young, elderly, teenage, grand, crown, defence, cabinet, policy, foreign-policy,
    anti-corruption, pro-democracy, democracy, freedom, labour, trade-union, first, lady, vice-presidential,
    would-be, self-described, self-proclaimed, de, facto, student, youth, women's, children's, tribal, militia,
    rebel, separatist, commando, naval, air, force, war, crime, mafia, drug, cartel
""")
# Words ending like role nouns ("-er", "-or", "-ist") that are not roles.
NOT_ROLE_NOUNS = _entries("""
    after, over, under, other, later, never, ever, either, neither, whether, together, rather, further, earlier,
    her, per, offer, order, enter, gather, deliver, remember, answer, suffer, consider, cover, discover, recover,
    register, render, surrender, wonder, power, water, matter, letter, number, paper, border, center, winter,
    summer, quarter, chapter, corner, dinner, super, minor, floor, door, for, nor, or, error, honor, labor, favor,
    color, sector, factor, mirror, terror, horror, motor, tumor, rumor, major, prior, senior, junior, inferior,
    superior, interior, exterior, sooner, longer, bigger, greater, larger, smaller, higher, lower, better,
    younger, older, newer, stronger, human, german, roman, woman's, committee, degree, guarantee, agree, free,
    three, see, fee, knee, coffee, refugee's, almost, against, amongst, whilst, exist, insist, resist, assist,
    persist, list, most, least, christian, median, meridian
""")

# Function words: never part of a name, and they end a role.
FUNCTION_WORDS = _entries("""
    a, an, the, and, or, but, nor, so, yet, as, at, by, for, from, in, into, of, on, onto, to, with, within, without,
    about, above, across, after, against, along, amid, amidst, among, around, before, behind, below, beneath,
    beside, besides, between, beyond, during, except, inside, near, off, out, outside, over, past, per, since,
    than, through, throughout, toward, towards, under, until, upon, via, versus, vs, like, unlike, despite,
    including, regarding, concerning, i, me, my, we, us, our, you, your, he, him, his, she, her, it, its, they,
    them, their, this, that, these, those, who, whom, whose, which, what, when, where, why, how, if, because,
    although, though, while, whether, not, no
""")
# Words that are capitalised only because they open a sentence.
SENTENCE_WORDS = _entries("""
    also, meanwhile, however, still, now, then, today, tonight, yesterday, tomorrow, earlier, later, last, next,
    first, second, third, finally, instead, indeed, already, again, even, only, just, both, all, some, many, most,
    more, several, few, each, every, other, others, another, such, one, two, three, four, five, there, here,
    asked, according, officials, police, authorities, critics, analysts, experts, residents, witnesses, sources,
    people, thousands, hundreds, dozens, nearly, almost, once, is, are, was, were, has, have, had, will, would,
    can, could, may, might, must, shall, should, do, does, did, let, please, yes, thanks, thank, dear, hello, oh,
    well, unless, never, always, often, sometimes, perhaps, maybe, soon, recently, currently, previously,
    separately, additionally, furthermore, moreover, overall, elsewhere, nevertheless, nonetheless, otherwise,
    therefore, thus, hence, while, whereas, though, afterwards, together, everyone, nobody, somebody, everybody,
    something, nothing, anything, everything, none, neither, either, half, much, less, fewer, few, plus, despite,
    because, since, unlike, amid, among, following, after, before, during, under, over, through, across, beyond,
    sources, speaking, describing, noting, adding, citing, responding, saying, calling, reporting, writing,
    our, your, this, that, these, those, its, his, her, their
""")
POSSESSIVE_DETERMINERS = _entries("his, her, their, its, our, my, your")
# What follows a sentence-initial name and shows it is a person ("Sapir Cohen said", "Sapir Cohen, 29,").
PERSON_CUES = _entries("""
    said, says, told, tells, added, adds, wrote, writes, argued, insisted, denied, announced, warned, explained,
    stressed, noted, replied, recalled, who, whose
""")

_PARTICLES = _entries("de, da, di, dos, das, du, del, della, der, den, van, von, ter, ten, la, le, bin, ibn, al, el")
# Capitalised particles that start a surname when a given name is absent ("Van Hollen said").
_CAPITAL_PARTICLES = _entries("Van, Von, De, Da, Di, Du, Del, Della, Der, Den, Dos, Das, Ter, Ten, La, Le")
_ARABIC_PREFIX_RE = re.compile(r"(?:al|el|as|ash|ad|an|ar|at|az|abu|bin|ibn|ben)-[^\W\d_]")
_NAME_SUFFIXES = _entries("Jr, Jr., Sr, Sr., II, III, IV")
_MAX_ROLE_WORDS = 8
_MAX_ROLE_CHARS = 200
_MAX_NAME_WORDS = 4

# Topics worth a tag, by the lowercase word that names them.
TOPIC_WORDS = _topics("""
    Hostages: hostage hostages
    Ceasefire: ceasefire cease-fire truce
    Elections: election elections electoral referendum
    Protests: protest protests protesters protestors demonstrators demonstrate
    Migration: migrant migrants migration immigration immigrants asylum deportation deportations refugee refugees
    Earthquakes: earthquake earthquakes
    Extreme weather: hurricane typhoon cyclone storm floods flooding wildfire wildfires heatwave drought
    Climate: climate
    Trade: tariff tariffs
    Economy: inflation recession
    Sanctions: sanctions
    Government shutdown: shutdown
    Public health: pandemic vaccine vaccines outbreak epidemic
    Cybersecurity: cyberattack ransomware hackers
    Terrorism: terrorism
    Nuclear: nuclear
""")
TOPIC_PHRASES = _mapping("""
    social media: Social media, climate change: Climate, artificial intelligence: Artificial intelligence,
    trade war: Trade, human rights: Human rights
""")


def _build_tag_names() -> dict[str, str]:
    names = {name: name for name in COUNTRIES | CITIES | US_STATES | REGIONS}
    names.update(COUNTRY_ALIASES)
    names.update(PLACE_ALIASES)
    for demonym, country in DEMONYMS.items():
        names[demonym] = country
        names[f"{demonym}s"] = country
    names.update(ORGANISATION_TAGS)
    names.update(METONYMS)
    names["AI"] = "Artificial intelligence"
    for part in ("Herzegovina", "Trinidad", "Tobago"):  # fragments listed only so they never become people
        names.pop(part, None)
    return names


# Case-sensitive phrase in the text -> tag name.
TAG_NAMES = _build_tag_names()


# --- Tokens ----------------------------------------------------------------------------------

_WORD, _ABBR, _SHORT, _NUM, _PUNCT = "word", "abbr", "short", "num", "punct"
_TOKEN_RE = re.compile(
    r"""
    (?P<abbr>(?:[^\W\d_]\.){2,})                                 # U.S., U.N.
  | (?P<short>(?:Mrs|Mr|Ms|Mx|Dr|Jr|Sr|St|Mt|Gen|Sens?|Rep|Gov|Lt|Col|Capt|Sgt|Adm|Maj|Cmdr|Prof|Rev|Hon|Pres
      |Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.(?!\w)
      | [A-Z]\.(?![^\W\d_]))                                     # titles, months and initials with a period
  | (?P<word>[^\W\d_]\w*(?:[-'’]\w+)*(?:(?<=[sS])['’](?!\w))?)  # words, hyphenated words, possessives
  | (?P<num>\d(?:[\d.,:]*\d)?)
  | (?P<punct>\S)
    """,
    re.VERBOSE,
)
# A capitalised word after one of these opens a sentence (or a quotation).
_SENTENCE_OPENERS = frozenset({".", "!", "?", "…", ":", '"', "“", "”", "‘", "’", "'", "(", "[", "«", "»"})
_WORDLIKE = frozenset({_WORD, _ABBR, _SHORT})


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    base: str  # possessive removed, curly apostrophes straightened
    kind: str
    possessive: bool
    initial: bool  # first word of a sentence or quotation

    @property
    def lower(self) -> str:
        return self.base.lower()

    @property
    def capitalised(self) -> bool:
        first = self.base[:1]
        return first.isupper() or first.istitle()


def _tokenize(paragraph: str) -> list[_Token]:
    tokens: list[_Token] = []
    previous = None
    for match in _TOKEN_RE.finditer(paragraph):
        text, kind = match.group(), match.lastgroup or _PUNCT
        base, possessive = text.replace("’", "'"), False
        if kind == _WORD and base.endswith(("'s", "'S")):
            base, possessive = base[:-2], True
        elif kind == _WORD and base.endswith("'"):
            base, possessive = base[:-1], True
        initial = kind in _WORDLIKE and (previous is None or previous in _SENTENCE_OPENERS)
        tokens.append(_Token(text, base, kind, possessive, initial))
        previous = text
    return tokens


def _tokenize_story(paragraphs: Sequence[str]) -> list[list[_Token]]:
    return [_tokenize(paragraph) for paragraph in paragraphs if isinstance(paragraph, str)]


# --- Which capitalised words can be part of a name -------------------------------------------

_NAME, _INITIAL, _SUFFIX, _PARTICLE, _OTHER = "name", "initial", "suffix", "particle", "other"


def _token_class(token: _Token) -> str | None:
    """How a token can take part in a run of capitalised words; None ends the run."""
    if token.kind in (_NUM, _PUNCT):
        return None
    if token.kind == _ABBR:
        return _OTHER
    if token.kind == _SHORT:
        if token.base in _NAME_SUFFIXES:
            return _SUFFIX
        return _INITIAL if len(token.base) == 2 and token.base not in _NON_PERSON_WORDS else _OTHER
    if not token.capitalised:
        if token.base in _PARTICLES:
            return _PARTICLE
        return _NAME if _ARABIC_PREFIX_RE.match(token.base) else None
    return _capitalised_word_class(token)


def _capitalised_word_class(token: _Token) -> str:
    base, lower = token.base, token.lower
    if base in _NAME_SUFFIXES:
        return _SUFFIX
    if base in _NON_PERSON_WORDS or lower in FUNCTION_WORDS:
        return _OTHER
    if len(base) == 1 or (len(base) == 2 and base.isupper()):  # "J Smith", "JD Vance"
        return _INITIAL
    if base.isupper():  # acronyms: CEO, FBI, IDF
        return _OTHER
    if "-" in base and _compound_is_not_a_name(base):
        return _OTHER
    if token.initial and (lower in SENTENCE_WORDS or lower.endswith("ing")):
        return _OTHER
    return _NAME


def _compound_is_not_a_name(base: str) -> bool:
    # "Kremlin-backed", "Israeli-American" describe; "Jean-Luc" and "Ocasio-Cortez" name.
    parts = [part for part in base.split("-") if part]
    return any(not part[0].isupper() or part in _NON_PERSON_WORDS for part in parts)


# --- Roles -----------------------------------------------------------------------------------


def _lowercase_role_word(word: str) -> bool:
    if word in ROLE_NOUNS or word in ROLE_MODIFIERS or _looks_like_role_noun(word):
        return True
    parts = [part for part in word.split("-") if part]
    return len(parts) > 1 and all(_lowercase_role_word(part) for part in parts)


def _looks_like_role_noun(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith(("er", "or", "ist", "ian", "man", "woman", "ee"))
        and word not in NOT_ROLE_NOUNS
        and word not in FUNCTION_WORDS
    )


def _is_role_word(token: _Token) -> bool:
    if token.kind in (_NUM, _PUNCT):
        return False
    if token.capitalised:
        return (
            token.lower not in FUNCTION_WORDS
            and token.lower not in SENTENCE_WORDS
            and token.base not in TEMPORAL
            and not (token.initial and token.lower.endswith("ing") and token.base not in TITLES)  # "Speaking"
        )
    return _lowercase_role_word(token.lower)


def _is_role_head(token: _Token) -> bool:
    """The word right in front of a name must name a position for the phrase to be a role."""
    lower = token.lower
    if token.capitalised:
        return token.base in TITLES or lower in ROLE_NOUNS or lower.split("-")[-1] in ROLE_NOUNS
    last = lower.split("-")[-1]
    return last in ROLE_NOUNS or _looks_like_role_noun(last)


def _role_before(tokens: Sequence[_Token], start: int) -> str:
    """News-style descriptor in front of a name: "former hostage Alexander Trufanov"."""
    words: list[_Token] = []  # nearest first
    i = start - 1
    while i >= 0 and len(words) < _MAX_ROLE_WORDS:
        token = tokens[i]
        if token.possessive:
            break  # "Russia's foreign minister X": the role starts after the owner
        if token.lower in ("of", "for", "and") and not token.capitalised:
            if not words or i == 0 or not _joins_role_words(token, tokens[i - 1], words[-1]):
                break
        elif not _is_role_word(token):
            break
        words.append(token)
        i -= 1
    while words and words[-1].lower in ("of", "for", "and"):
        words.pop()
    words = [word for word in words if word.base not in COURTESY_TITLES]
    if not words or not _is_role_head(words[0]):
        return ""
    return _clip_role(" ".join(word.text for word in reversed(words)))


def _joins_role_words(connector: _Token, before: _Token, after: _Token) -> bool:
    # "Secretary of State", "minister for Europe", "chairman and chief executive" -
    # but not "Sen. Elizabeth Warren and Rep.", which joins two people.
    if before.possessive or not _is_role_word(before):
        return False
    if connector.lower == "and":
        return not before.capitalised and not after.capitalised
    return True


def _appositive_role(tokens: Sequence[_Token], start: int) -> str:
    """ "his fiancee, Sapir Cohen" -> "fiancee"."""
    if start < 3 or tokens[start - 1].text != ",":
        return ""
    words: list[_Token] = []
    i = start - 2
    while i >= 0 and len(words) < 4 and not tokens[i].capitalised and _is_role_word(tokens[i]):
        words.append(tokens[i])
        i -= 1
    if not words or i < 0 or not _is_role_head(words[0]):
        return ""
    owner = tokens[i]
    if owner.lower not in POSSESSIVE_DETERMINERS and not owner.possessive:
        return ""
    return _clip_role(" ".join(word.text for word in reversed(words)))


def _clip_role(role: str) -> str:
    return role[:_MAX_ROLE_CHARS].strip()


# --- Reading runs of capitalised words -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RunName:
    """The name at the end of a run of capitalised words, with what surrounds it."""

    words: tuple[str, ...]
    start: int  # token index of the name in its paragraph
    end: int
    core: int  # given names, surnames and initials, not particles or suffixes
    confirmed: bool  # not at a sentence start, or followed by a sign of a person
    role: str

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _runs(tokens: Sequence[_Token], classes: Sequence[str | None], consumed: set[int]) -> list[tuple[int, int]]:
    runs = []
    i, count = 0, len(tokens)
    while i < count:
        if i in consumed or not _can_join_run(classes, consumed, i):
            i += 1
            continue
        j = i
        while j < count and j not in consumed and _can_join_run(classes, consumed, j):
            j += 1
            if tokens[j - 1].possessive:
                break  # "Trufanov's mother": the name ends at the possessive
        runs.append((i, j))
        i = j
    return runs


def _can_join_run(classes: Sequence[str | None], consumed: set[int], i: int) -> bool:
    if classes[i] != _PARTICLE:
        return classes[i] is not None
    # A lowercase particle belongs to a name only on its way to a capitalised word.
    j = i
    while j < len(classes) and classes[j] == _PARTICLE and j not in consumed:
        j += 1
    return j < len(classes) and j not in consumed and classes[j] == _NAME


def _effective_classes(tokens: Sequence[_Token], classes: Sequence[str | None], start: int, end: int) -> list[str]:
    """Classes within one run, after multi-word places and organisations and ambiguous names."""
    run = [classes[i] or _OTHER for i in range(start, end)]
    bases = [tokens[i].base for i in range(start, end)]
    for i in range(len(run)):
        for length in range(min(_LONGEST_PHRASE, len(run) - i), 1, -1):
            if " ".join(bases[i : i + length]) in _NON_PERSON_PHRASES:
                run[i : i + length] = [_OTHER] * length
                break
    plain = list(run)
    last_core = max((i for i, cls in enumerate(plain) if cls != _SUFFIX), default=-1)
    for i, base in enumerate(bases):
        if plain[i] != _OTHER:
            continue
        if base in AMBIGUOUS_GIVEN_NAMES and i + 1 < len(plain) and plain[i + 1] == _NAME:
            run[i] = _NAME
        elif base in AMBIGUOUS_SURNAMES and i == last_core and i > 0 and plain[i - 1] == _NAME:
            run[i] = _NAME
    return run


def _read_run(tokens: Sequence[_Token], classes: Sequence[str | None], start: int, end: int) -> _RunName | None:
    run = _effective_classes(tokens, classes, start, end)
    while len(run) > 1 and run[-1] == _OTHER and tokens[start + len(run) - 1].base in TEMPORAL:
        run.pop()  # "Vladimir Putin Tuesday"
    if run[-1] == _OTHER:
        return None  # ends in a place or organisation: "Harvard University", "Gaza Strip"
    first = len(run)
    while first > 0 and run[first - 1] != _OTHER:
        first -= 1
    while first < len(run) and run[first] == _SUFFIX:
        first += 1
    name_classes = run[first:]
    if _NAME not in name_classes:
        return None
    last_core = max(i for i, cls in enumerate(name_classes) if cls in (_NAME, _INITIAL))
    if name_classes[last_core] != _NAME:
        return None  # "Plan B"
    name_start, name_end = start + first, start + len(run)
    name_tokens = tokens[name_start:name_end]
    return _RunName(
        words=tuple(token.base for token in name_tokens),
        start=name_start,
        end=name_end,
        core=sum(cls in (_NAME, _INITIAL) for cls in name_classes),
        confirmed=not name_tokens[0].initial or _followed_by_person_cue(tokens, end),
        role=_role_before(tokens, name_start) or _appositive_role(tokens, name_start) or _role_after(tokens, end),
    )


def _followed_by_person_cue(tokens: Sequence[_Token], end: int) -> bool:
    after = tokens[end : end + 3]
    if not after:
        return False
    if after[0].lower in PERSON_CUES:
        return True
    if after[0].text != "," or len(after) < 2:
        return False
    if after[1].lower in ("who", "whose"):
        return True
    if after[1].kind == _NUM and len(after) == 3 and after[2].text == ",":  # "Sapir Cohen, 29,"
        return True
    return bool(_role_after(tokens, end))


def _role_after(tokens: Sequence[_Token], end: int) -> str:
    """An appositive after a name: "Israel Katz, the defence minister, said" -> "defence minister"."""
    start = end + 2
    if start >= len(tokens) or tokens[end].text != "," or tokens[end + 1].lower not in ("the", "a", "an"):
        return ""
    stop = start
    while stop < len(tokens) and stop - start < _MAX_ROLE_WORDS and _is_role_word(tokens[stop]):
        stop += 1
    if not start < stop < len(tokens) or tokens[stop].text not in (",", ".") or not _is_role_head(tokens[stop - 1]):
        return ""
    return _clip_role(" ".join(token.text for token in tokens[start:stop]))


def _is_full_name(run_name: _RunName) -> bool:
    return (
        2 <= run_name.core <= _MAX_NAME_WORDS
        and run_name.words[0] not in _CAPITAL_PARTICLES  # "Van Hollen" alone is a surname
        and run_name.words[0] not in _PARTICLES
    )


# --- People ----------------------------------------------------------------------------------


def surname(name: str) -> str:
    """The family name news copy uses alone on later mentions."""
    parts = name.split()
    while len(parts) > 1 and parts[-1].rstrip(",") in _NAME_SUFFIXES:
        parts.pop()
    if not parts:
        return ""
    parts[-1] = parts[-1].rstrip(",")
    start = len(parts) - 1
    while start > 1 and parts[start - 1].lower() in _PARTICLES:
        start -= 1  # "von der Leyen"; the first word stays a given name ("Al Gore")
    return " ".join(parts[start:]).strip()


_FULL, _ALIAS, _SURNAME = "full", "alias", "surname"


@dataclass(frozen=True, slots=True)
class _Entry:
    words: tuple[str, ...]
    person: int
    kind: str


@dataclass
class _Found:
    """A person this story mentions, while the story is being read."""

    name: str
    aliases: tuple[str, ...]
    keys: frozenset[str]  # what a single-word mention may call them
    first_pos: tuple[int, int]
    full_pos: tuple[int, int] | None  # first mention by full name
    role: str = ""
    known: KnownPerson | None = None

    def mention(self, pos: tuple[int, int], role: str, full: bool) -> None:
        self.first_pos = min(self.first_pos, pos)
        if full and (self.full_pos is None or pos < self.full_pos):
            self.full_pos = pos
        if role and not self.role:
            self.role = role


@dataclass
class _Reading:
    """The state of one call to PeopleIndex.find."""

    story: list[list[_Token]]
    found: dict[tuple, _Found] = field(default_factory=dict)
    person_tokens: set[tuple[int, int]] = field(default_factory=set)


class PeopleIndex:
    """Known people, indexed by the first word of each name and alias so a story costs one lookup per word."""

    def __init__(self, known: Iterable[KnownPerson] = ()):
        self._people: list[KnownPerson] = []
        # Multi-word names and aliases: first word -> whole phrase -> entries; and the phrase lengths
        # to try for that first word, longest first. One dict lookup per length, whatever the index size.
        self._phrases: dict[str, dict[tuple[str, ...], list[_Entry]]] = {}
        self._phrase_lengths: dict[str, list[int]] = {}
        self._singles: dict[str, list[_Entry]] = {}  # one-word aliases and surnames, by the surname as written
        self._by_first_and_surname: dict[tuple[str, str], int] = {}
        for person in known:
            self.add(person)

    def add(self, person: KnownPerson) -> None:
        index = len(self._people)
        self._people.append(person)
        full = _name_words(person.name)
        if not full:
            return
        self._register(full, index, _FULL)
        for alias in person.aliases:
            alias_words = _name_words(alias)
            if alias_words:
                self._register(alias_words, index, _ALIAS)
        family = surname(" ".join(full))
        if family and family != person.name and family not in person.aliases:
            self._register(tuple(family.split()), index, _SURNAME)
        if len(full) > 1:
            self._by_first_and_surname.setdefault((full[0], family), index)

    def _register(self, words: tuple[str, ...], index: int, kind: str) -> None:
        entry = _Entry(words, index, kind)
        if len(words) > 1 and kind != _SURNAME:
            self._phrases.setdefault(words[0], {}).setdefault(words, []).append(entry)
            lengths = self._phrase_lengths.setdefault(words[0], [])
            if len(words) not in lengths:
                lengths.append(len(words))
                lengths.sort(reverse=True)
        else:
            self._singles.setdefault(" ".join(words), []).append(entry)

    def find(self, paragraphs: Sequence[str]) -> list[PersonMention]:
        reading = self._read(paragraphs)
        people = sorted(reading.found.values(), key=lambda found: found.first_pos)
        return [
            PersonMention(
                name=found.name,
                role=found.role,
                aliases=found.aliases,
                known_key=found.known.key if found.known else None,
            )
            for found in people
        ]

    def _read(self, paragraphs: Sequence[str]) -> _Reading:
        reading = _Reading(_tokenize_story(paragraphs))
        consumed = [self._match_known_names(reading, p) for p in range(len(reading.story))]
        singles: list[tuple[tuple[int, int], _RunName]] = []
        candidates: list[tuple[tuple[int, int], _RunName]] = []
        for p, tokens in enumerate(reading.story):
            classes = [_token_class(token) for token in tokens]
            for start, end in _runs(tokens, classes, consumed[p]):
                run_name = _read_run(tokens, classes, start, end)
                if run_name is None:
                    continue
                if _is_full_name(run_name) and run_name.text not in self._singles:
                    candidates.append(((p, run_name.start), run_name))
                else:
                    singles.append(((p, run_name.start), run_name))
        self._add_full_names(reading, candidates)
        for pos, run_name in singles:
            self._resolve_single(reading, pos, run_name)
        return reading

    def _match_known_names(self, reading: _Reading, p: int) -> set[int]:
        """Multi-word known names and aliases, matched word by word; returns the token indexes used."""
        tokens = reading.story[p]
        consumed: set[int] = set()
        i = 0
        while i < len(tokens):
            entry = self._known_phrase_at(reading, tokens, i)
            if entry is None:
                i += 1
                continue
            end = i + len(entry.words)
            role = _role_before(tokens, i) or _appositive_role(tokens, i)
            self._note_known(reading, entry.person, (p, i), role, full=entry.kind == _FULL)
            reading.person_tokens.update((p, k) for k in range(i, end))
            consumed.update(range(i, end))
            i = end
        return consumed

    def _known_phrase_at(self, reading: _Reading, tokens: Sequence[_Token], i: int) -> _Entry | None:
        phrases = self._phrases.get(tokens[i].base)
        if not phrases:
            return None
        for length in self._phrase_lengths[tokens[i].base]:
            end = i + length
            if end > len(tokens) or any(token.possessive for token in tokens[i : end - 1]):
                continue
            entries = phrases.get(tuple(token.base for token in tokens[i:end]))
            if entries and _stands_alone(tokens, i, end):
                # Two known people may share a name: keep the one this story already mentions, else the first.
                seen = [entry for entry in entries if ("known", entry.person) in reading.found]
                return (seen or entries)[0]
        return None

    def _add_full_names(self, reading: _Reading, candidates: list[tuple[tuple[int, int], _RunName]]) -> None:
        """New full names become people if any mention is trustworthy; known ones are linked."""
        by_identity: dict[tuple, list[tuple[tuple[int, int], _RunName]]] = {}
        for pos, run_name in candidates:
            family = surname(run_name.text)
            known = self._by_first_and_surname.get((run_name.words[0], family))
            identity = ("known", known) if known is not None else ("new", run_name.words[0], family)
            by_identity.setdefault(identity, []).append((pos, run_name))
        for identity, mentions in by_identity.items():
            if identity[0] == "known":
                for pos, run_name in mentions:
                    self._note_known(reading, identity[1], pos, run_name.role, full=True)
            elif any(run_name.confirmed for _, run_name in mentions):
                _note_new(reading, identity, mentions)
            else:
                continue
            for (p, _), run_name in mentions:
                reading.person_tokens.update((p, k) for k in range(run_name.start, run_name.end))

    def _resolve_single(self, reading: _Reading, pos: tuple[int, int], run_name: _RunName) -> None:
        """A surname or alias alone: someone named in full earlier, or a known alias."""
        key = run_name.text
        earlier = [
            found
            for found in reading.found.values()
            if found.full_pos is not None and found.full_pos < pos and key in found.keys
        ]
        if earlier:
            min(earlier, key=lambda found: found.full_pos).mention(pos, run_name.role, full=False)
        else:
            entries = [entry for entry in self._singles.get(key, ()) if entry.kind != _SURNAME]
            if not entries:
                return
            seen = [entry for entry in entries if ("known", entry.person) in reading.found]
            chosen = (seen or entries)[0]
            self._note_known(reading, chosen.person, pos, run_name.role, full=chosen.kind == _FULL)
        p = pos[0]
        reading.person_tokens.update((p, k) for k in range(run_name.start, run_name.end))

    def _note_known(self, reading: _Reading, index: int, pos: tuple[int, int], role: str, full: bool) -> None:
        person = self._people[index]
        found = reading.found.get(("known", index))
        if found is None:
            keys = {surname(person.name), *person.aliases}
            if len(_name_words(person.name)) == 1:
                keys.add(person.name)
            found = _Found(
                name=person.name,
                aliases=tuple(person.aliases),
                keys=frozenset(keys),
                first_pos=pos,
                full_pos=None,
                known=person,
            )
            reading.found[("known", index)] = found
        found.mention(pos, role, full)


def _note_new(reading: _Reading, identity: tuple, mentions: list[tuple[tuple[int, int], _RunName]]) -> None:
    mentions = sorted(mentions, key=lambda mention: mention[0])
    first_pos, first = mentions[0]
    family = surname(first.text)
    found = _Found(name=first.text, aliases=(family,), keys=frozenset({family}), first_pos=first_pos, full_pos=None)
    for pos, run_name in mentions:
        found.mention(pos, run_name.role, full=True)
    reading.found[identity] = found


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(token.base for token in _tokenize(name))


def _stands_alone(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """A known name inside a longer name ("Mary Ann Smith" for "Ann Smith") is not a mention."""
    if start > 0 and _token_class(tokens[start - 1]) in (_NAME, _INITIAL) and not tokens[start - 1].possessive:
        return False
    if end < len(tokens) and not tokens[end - 1].possessive:
        return _token_class(tokens[end]) not in (_NAME, _INITIAL, _SUFFIX)
    return True


# --- Tags ------------------------------------------------------------------------------------


def suggest_tags(paragraphs: Sequence[str], limit: int = 6) -> list[str]:
    """Places, organisations and topics the text names, most mentioned first, then by first mention."""
    reading = PeopleIndex()._read(paragraphs)
    counts: dict[str, int] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for p, tokens in enumerate(reading.story):
        i = 0
        while i < len(tokens):
            tag, length = _tag_at(tokens, i, p, reading.person_tokens)
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
                first_seen.setdefault(tag, (p, i))
            i += length
    ranked = sorted(counts, key=lambda tag: (-counts[tag], first_seen[tag]))
    return ranked[: max(limit, 0)]


def _phrase_lengths() -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for phrase in [*TAG_NAMES, *_NON_PERSON_PHRASES, *TOPIC_PHRASES]:
        words = phrase.split()
        lengths.setdefault(words[0], set()).add(len(words))
    return {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}


# First word of a tag phrase -> the phrase lengths to try there, longest first.
_TAG_PHRASE_LENGTHS = _phrase_lengths()


def _tag_at(tokens: Sequence[_Token], i: int, p: int, person_tokens: set[tuple[int, int]]) -> tuple[str | None, int]:
    """The tag named by the longest phrase starting at token i, and how many tokens it covers."""
    token = tokens[i]
    if token.kind in (_PUNCT, _NUM) or (p, i) in person_tokens:
        return None, 1  # "Jordan Bardella" names a person, not a country
    lengths = _TAG_PHRASE_LENGTHS.get(token.base, ()) + _TAG_PHRASE_LENGTHS.get(token.lower, ())
    for length in sorted({*lengths, 1}, reverse=True):
        window = tokens[i : i + length]
        if len(window) < length or _breaks_phrase(window, i, p, person_tokens):
            continue
        phrase = " ".join(word.base for word in window)
        if phrase in TAG_NAMES:
            return TAG_NAMES[phrase], length
        if length > 1 and phrase in _NON_PERSON_PHRASES:
            return None, length  # "New York Times" is not "New York"
        lowered = phrase.lower()
        if length == 1 and lowered in TOPIC_WORDS:
            return TOPIC_WORDS[lowered], 1
        if lowered in TOPIC_PHRASES:
            return TOPIC_PHRASES[lowered], length
    return None, 1


def _breaks_phrase(window: Sequence[_Token], i: int, p: int, person_tokens: set[tuple[int, int]]) -> bool:
    if len(window) == 1:
        return False
    return (
        any(token.kind == _PUNCT or token.possessive for token in window[:-1])
        or window[-1].kind == _PUNCT
        or any((p, k) in person_tokens for k in range(i, i + len(window)))
    )
