//! Seeded generation of a realistic population ([`generate`]).
//!
//! Only integer arithmetic on a [`SplitMix64`] stream is used, so the same seed gives the same
//! scenario (byte-identical JSON) on every machine. Dates are relative to a fixed reference
//! year ([`REFERENCE_YEAR`]), never to the real clock.

use std::collections::HashSet;

use crate::scenario::{
    Distance, Education, Geo, Industry, InitialRelationship, MessageVariant, Person, Position,
    ReplyAfter, ReplyKind, ReplyPlan, Scenario, UiVariant, Viewer, YearMonth, company_urn_for,
};

/// The "current" year of generated careers.
pub const REFERENCE_YEAR: u16 = 2025;

/// E-mail of the generated viewer.
pub const VIEWER_EMAIL: &str = "viewer@outlane.test";
/// Password of the generated viewer.
pub const VIEWER_PASSWORD: &str = "outlane-sim-password";

/// SplitMix64: a tiny, fast, well-distributed 64-bit generator (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n` > 0; 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen element (`items` must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Sophia",
    "Mateo",
    "Isabella",
    "Ethan",
    "Mia",
    "Arjun",
    "Priya",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Fatima",
    "Omar",
    "Aisha",
    "Lars",
    "Ingrid",
    "José",
    "Lucía",
    "François",
    "Chloé",
    "Björn",
    "Zoë",
    "Giulia",
    "Marco",
    "Daniel",
    "Sarah",
    "Kwame",
    "Amara",
    "Tomasz",
    "Katarzyna",
    "Rahul",
    "Ananya",
    "Diego",
    "Camila",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Garcia",
    "Martinez",
    "Brown",
    "Nguyen",
    "Patel",
    "Kim",
    "Müller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Lefèvre",
    "Jansen",
    "de Vries",
    "Andersson",
    "Nielsen",
    "O'Brien",
    "Murphy",
    "Kowalski",
    "Nowak",
    "Silva",
    "Santos",
    "Cohen",
    "Levi",
    "Tanaka",
    "Sato",
    "Chen",
    "Wang",
    "Sharma",
    "Gupta",
    "Okafor",
    "Mensah",
    "Fernández",
    "López",
    "Walker",
    "Taylor",
    "Hughes",
    "Novak",
];

struct Loc {
    name: &'static str,
    country: &'static str,
    geo: u64,
}

const LOCATIONS: &[Loc] = &[
    Loc {
        name: "San Francisco, California, United States",
        country: "us",
        geo: 102277331,
    },
    Loc {
        name: "New York, New York, United States",
        country: "us",
        geo: 102571732,
    },
    Loc {
        name: "Austin, Texas, United States",
        country: "us",
        geo: 104472865,
    },
    Loc {
        name: "Chicago, Illinois, United States",
        country: "us",
        geo: 103112676,
    },
    Loc {
        name: "Boston, Massachusetts, United States",
        country: "us",
        geo: 102380872,
    },
    Loc {
        name: "Seattle, Washington, United States",
        country: "us",
        geo: 104116203,
    },
    Loc {
        name: "Toronto, Ontario, Canada",
        country: "ca",
        geo: 100025096,
    },
    Loc {
        name: "London, England, United Kingdom",
        country: "gb",
        geo: 102257491,
    },
    Loc {
        name: "Manchester, England, United Kingdom",
        country: "gb",
        geo: 102943586,
    },
    Loc {
        name: "Dublin, County Dublin, Ireland",
        country: "ie",
        geo: 105178154,
    },
    Loc {
        name: "Berlin, Berlin, Germany",
        country: "de",
        geo: 106967730,
    },
    Loc {
        name: "Munich, Bavaria, Germany",
        country: "de",
        geo: 100477049,
    },
    Loc {
        name: "Paris, Île-de-France, France",
        country: "fr",
        geo: 105015875,
    },
    Loc {
        name: "Amsterdam, North Holland, Netherlands",
        country: "nl",
        geo: 102011674,
    },
    Loc {
        name: "Madrid, Community of Madrid, Spain",
        country: "es",
        geo: 103374081,
    },
    Loc {
        name: "Milan, Lombardy, Italy",
        country: "it",
        geo: 102873055,
    },
    Loc {
        name: "Stockholm, Stockholm County, Sweden",
        country: "se",
        geo: 100907646,
    },
    Loc {
        name: "Zurich, Zurich, Switzerland",
        country: "ch",
        geo: 102436504,
    },
    Loc {
        name: "Sydney, New South Wales, Australia",
        country: "au",
        geo: 104769905,
    },
    Loc {
        name: "Singapore, Singapore",
        country: "sg",
        geo: 102454443,
    },
    Loc {
        name: "Bengaluru, Karnataka, India",
        country: "in",
        geo: 105214831,
    },
    Loc {
        name: "São Paulo, São Paulo, Brazil",
        country: "br",
        geo: 105871508,
    },
    Loc {
        name: "Tel Aviv, Tel Aviv District, Israel",
        country: "il",
        geo: 101570771,
    },
    Loc {
        name: "Warsaw, Mazowieckie, Poland",
        country: "pl",
        geo: 105076658,
    },
];

const INDUSTRIES: &[(&str, u32)] = &[
    ("Software Development", 4),
    ("Technology, Information and Internet", 6),
    ("IT Services and IT Consulting", 96),
    ("Financial Services", 43),
    ("Banking", 41),
    ("Advertising Services", 80),
    ("Human Resources Services", 137),
    ("Staffing and Recruiting", 104),
    ("Business Consulting and Services", 11),
    ("Hospitals and Health Care", 14),
    ("Higher Education", 68),
    ("Retail", 27),
    ("Real Estate", 44),
    ("Accounting", 47),
    ("Telecommunications", 8),
    ("Venture Capital and Private Equity Principals", 106),
    ("Manufacturing", 25),
    ("Insurance", 42),
];

/// Company name and index into `INDUSTRIES`.
const COMPANIES: &[(&str, usize)] = &[
    ("Northwind Analytics", 0),
    ("Bluefin Software", 0),
    ("Cobalt Cloud", 0),
    ("Quillstone", 0),
    ("Arcadia Labs", 1),
    ("Brightpath", 1),
    ("Fernweh Travel Tech", 1),
    ("Helix Data Systems", 2),
    ("Ironbridge Consulting", 2),
    ("Meridian IT Partners", 2),
    ("Acme Payments", 3),
    ("Ledgerly", 3),
    ("Harborline Capital", 3),
    ("First Meridian Bank", 4),
    ("Crownfield Bank", 4),
    ("Pixel & Pine", 5),
    ("Loudhouse Media", 5),
    ("Peoplefirst HR", 6),
    ("TalentForge", 7),
    ("Hirewell Partners", 7),
    ("Summit Strategy Group", 8),
    ("Keystone Advisory", 8),
    ("Lumen Health", 9),
    ("CarePoint Clinics", 9),
    ("Westbrook University", 10),
    ("Greenleaf Grocers", 11),
    ("Urban Threads", 11),
    ("Oakridge Properties", 12),
    ("Baker & Finch LLP", 13),
    ("Clearview Accounting", 13),
    ("Skyline Telecom", 14),
    ("Nordlicht Networks", 14),
    ("Redwood Ventures", 15),
    ("Atlas Growth Equity", 15),
    ("Forgeworks Manufacturing", 16),
    ("Vantage Robotics", 16),
    ("Shieldstone Insurance", 17),
    ("Pelican Mutual", 17),
    ("Stackline", 0),
    ("Orbital Commerce", 1),
    ("Tidewater Logistics", 2),
    ("Nimbus Security", 0),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Function {
    Sales,
    Marketing,
    Engineering,
    Finance,
    Hr,
    Product,
    Founder,
}

/// Title, function and seniority (1 junior … 5 executive).
const TITLES: &[(&str, Function, u8)] = &[
    ("Sales Development Representative", Function::Sales, 1),
    ("Account Executive", Function::Sales, 2),
    ("Senior Account Executive", Function::Sales, 3),
    ("Sales Manager", Function::Sales, 3),
    ("Head of Sales", Function::Sales, 4),
    ("VP of Sales", Function::Sales, 4),
    ("Chief Revenue Officer", Function::Sales, 5),
    ("Marketing Coordinator", Function::Marketing, 1),
    ("Content Marketing Manager", Function::Marketing, 2),
    ("Growth Marketing Manager", Function::Marketing, 3),
    ("Head of Marketing", Function::Marketing, 4),
    ("VP Marketing", Function::Marketing, 4),
    ("Chief Marketing Officer", Function::Marketing, 5),
    ("Software Engineer", Function::Engineering, 1),
    ("Senior Software Engineer", Function::Engineering, 2),
    ("Staff Engineer", Function::Engineering, 3),
    ("Engineering Manager", Function::Engineering, 3),
    ("Director of Engineering", Function::Engineering, 4),
    ("VP of Engineering", Function::Engineering, 4),
    ("Chief Technology Officer", Function::Engineering, 5),
    ("Financial Analyst", Function::Finance, 1),
    ("Senior Accountant", Function::Finance, 2),
    ("Finance Manager", Function::Finance, 3),
    ("Financial Controller", Function::Finance, 3),
    ("Head of Finance", Function::Finance, 4),
    ("Chief Financial Officer", Function::Finance, 5),
    ("HR Coordinator", Function::Hr, 1),
    ("Talent Acquisition Specialist", Function::Hr, 2),
    ("HR Business Partner", Function::Hr, 3),
    ("Head of People", Function::Hr, 4),
    ("Chief People Officer", Function::Hr, 5),
    ("Associate Product Manager", Function::Product, 1),
    ("Product Manager", Function::Product, 2),
    ("Senior Product Manager", Function::Product, 3),
    ("Head of Product", Function::Product, 4),
    ("Founder", Function::Founder, 5),
    ("Co-Founder & CEO", Function::Founder, 5),
    ("Founder & CTO", Function::Founder, 5),
];

const SCHOOLS: &[&str] = &[
    "University of Michigan",
    "Stanford University",
    "University College London",
    "Technical University of Munich",
    "HEC Paris",
    "University of Toronto",
    "National University of Singapore",
    "Indian Institute of Technology Bombay",
    "University of São Paulo",
    "Trinity College Dublin",
    "ETH Zurich",
    "University of Amsterdam",
    "Bocconi University",
    "KTH Royal Institute of Technology",
    "University of Sydney",
    "The University of Texas at Austin",
    "London School of Economics and Political Science",
    "Northeastern University",
];

const BACHELORS: &[&str] = &[
    "Bachelor of Science (BS)",
    "Bachelor of Arts (BA)",
    "Bachelor of Engineering (BEng)",
    "Bachelor of Business Administration (BBA)",
];
const MASTERS: &[&str] = &[
    "Master of Science (MS)",
    "Master of Business Administration (MBA)",
    "Master of Arts (MA)",
];

fn fields_of(f: Function) -> &'static [&'static str] {
    match f {
        Function::Sales => &["Business Administration", "Communications", "Economics"],
        Function::Marketing => &["Marketing", "Communications", "Media Studies"],
        Function::Engineering => &["Computer Science", "Electrical Engineering", "Mathematics"],
        Function::Finance => &["Finance", "Accounting", "Economics"],
        Function::Hr => &["Psychology", "Human Resources Management", "Sociology"],
        Function::Product => &["Computer Science", "Economics", "Industrial Design"],
        Function::Founder => &["Business Administration", "Computer Science", "Economics"],
    }
}

fn taglines_of(f: Function) -> &'static [&'static str] {
    match f {
        Function::Sales => &[
            "Helping B2B teams grow revenue",
            "SaaS sales and partnerships",
            "Building pipeline that converts",
        ],
        Function::Marketing => &[
            "Demand generation and brand",
            "B2B content that converts",
            "Product marketing for developer tools",
        ],
        Function::Engineering => &[
            "Distributed systems",
            "Cloud infrastructure and developer tooling",
            "Rust, Go and Kubernetes",
        ],
        Function::Finance => &[
            "FP&A and strategic finance",
            "Scaling finance teams",
            "Audit, reporting and controls",
        ],
        Function::Hr => &[
            "Building great teams",
            "Talent and culture",
            "People operations at scale",
        ],
        Function::Product => &[
            "Shipping products people love",
            "Data-informed product strategy",
            "B2B SaaS product leader",
        ],
        Function::Founder => &[
            "Building something new",
            "Hiring across all teams",
            "Backed by great investors",
        ],
    }
}

fn duties_of(f: Function) -> &'static [&'static str] {
    match f {
        Function::Sales => &[
            "Owned a quota across mid-market accounts and closed new logos.",
            "Prospected outbound, ran discovery calls and managed a regional pipeline.",
        ],
        Function::Marketing => &[
            "Ran paid and organic campaigns; grew inbound leads quarter over quarter.",
            "Owned the content calendar, webinars and the company newsletter.",
        ],
        Function::Engineering => &[
            "Designed and operated backend services handling millions of requests a day.",
            "Led the migration to a container platform and improved deploy times.",
        ],
        Function::Finance => &[
            "Owned budgeting, forecasting and monthly close.",
            "Built the reporting stack and supported fundraising diligence.",
        ],
        Function::Hr => &[
            "Ran full-cycle recruiting for technical and commercial roles.",
            "Designed onboarding, performance reviews and compensation bands.",
        ],
        Function::Product => &[
            "Owned the roadmap for the core platform and its analytics.",
            "Worked with design and engineering to launch new self-serve features.",
        ],
        Function::Founder => &[
            "Started the company, raised the first rounds and built the team.",
            "Set strategy, hired the leadership team and closed the first customers.",
        ],
    }
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let mapped = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            _ => "",
        };
        if !mapped.is_empty() {
            out.push_str(mapped);
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if (c == ' ' || c == '-') && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn titles_in(f: Function, max_level: u8, min_level: u8) -> Vec<&'static str> {
    TITLES
        .iter()
        .filter(|(_, tf, lvl)| *tf == f && *lvl <= max_level && *lvl >= min_level)
        .map(|(t, _, _)| *t)
        .collect()
}

fn month(rng: &mut SplitMix64) -> Option<u8> {
    if rng.chance(85) {
        Some(rng.range(1, 12) as u8)
    } else {
        None
    }
}

fn year_month(year: u16, month: Option<u8>) -> YearMonth {
    YearMonth { year, month }
}

struct Career {
    positions: Vec<Position>,
    function: Function,
    /// Seniority of the current title (1 junior … 5 executive).
    level: u8,
    first_start_year: u16,
}

/// The seniority (1 junior … 5 executive) of one of the generated titles; `None` for a title
/// the generator does not use.
pub fn seniority(title: &str) -> Option<u8> {
    TITLES
        .iter()
        .find(|(t, _, _)| *t == title)
        .map(|(_, _, l)| *l)
}

/// How likely (percent) a member of seniority `level` (1 junior … 5 executive) accepts an
/// invitation at all: executives half as often as juniors, as published outreach benchmarks
/// report (about 19 % for C-level against 39 % for mid-level); the mean over the generated
/// titles stays near 60 %, the simulator's rate before acceptance depended on the profile.
pub fn acceptance_percent(level: u8) -> u64 {
    match level {
        0 | 1 => 85,
        2 => 80,
        3 => 65,
        4 => 45,
        _ => 30,
    }
}

fn career(rng: &mut SplitMix64, city: &str) -> Career {
    let (cur_title, function, level) = *rng.pick(TITLES);
    let count = match rng.below(100) {
        0..=19 => 1,
        20..=54 => 2,
        55..=84 => 3,
        _ => 4,
    };
    let open_to_work = rng.chance(10);
    // The next position's start; positions are built newest first.
    let mut start_year = REFERENCE_YEAR - rng.range(0, 7) as u16;
    let mut start_month = month(rng);
    let mut end: Option<YearMonth> = if open_to_work {
        Some(year_month(REFERENCE_YEAR, Some(rng.range(1, 6) as u8)))
    } else {
        None
    };
    if let Some(e) = end
        && start_year >= e.year
    {
        start_year = e.year - 1;
    }
    let mut positions = Vec::new();
    let mut title = cur_title;
    let mut company = rng.pick(COMPANIES).0;
    let mut lvl = level;
    for i in 0..count {
        if i > 0 {
            // An earlier job: one step lower (or same level), sometimes a promotion at the same company.
            let prev_function = if function == Function::Founder {
                *rng.pick(&[
                    Function::Sales,
                    Function::Engineering,
                    Function::Product,
                    Function::Marketing,
                ])
            } else {
                function
            };
            let max = lvl
                .saturating_sub(if rng.chance(60) { 1 } else { 0 })
                .max(1);
            let mut options = titles_in(prev_function, max.min(4), max.saturating_sub(1).max(1));
            if options.is_empty() {
                options = titles_in(prev_function, 2, 1);
            }
            title = *rng.pick(options.as_slice());
            lvl = TITLES
                .iter()
                .find(|(t, _, _)| *t == title)
                .map(|(_, _, l)| *l)
                .unwrap_or(1);
            if !rng.chance(20) {
                let mut next = rng.pick(COMPANIES).0;
                while next == company {
                    next = rng.pick(COMPANIES).0;
                }
                company = next;
            }
        }
        let location = if rng.chance(80) {
            Some(city.to_string())
        } else {
            None
        };
        let description = if rng.chance(60) {
            Some(rng.pick(duties_of(function_of(title))).to_string())
        } else {
            None
        };
        positions.push(Position {
            title: title.to_string(),
            company_name: company.to_string(),
            company_urn: company_urn_for(company),
            location,
            start: year_month(start_year, start_month),
            end,
            description,
        });
        // The previous job ended when this one started (or a few months earlier).
        let end_year = start_year - if rng.chance(25) { 1 } else { 0 };
        end = Some(year_month(end_year, month(rng)));
        start_year = end_year - rng.range(1, 4) as u16;
        start_month = month(rng);
    }
    let first_start_year = positions
        .last()
        .map(|p| p.start.year)
        .unwrap_or(REFERENCE_YEAR);
    Career {
        positions,
        function,
        level,
        first_start_year,
    }
}

fn function_of(title: &str) -> Function {
    TITLES
        .iter()
        .find(|(t, _, _)| *t == title)
        .map(|(_, f, _)| *f)
        .unwrap_or(Function::Founder)
}

fn educations(rng: &mut SplitMix64, function: Function, first_job_year: u16) -> Vec<Education> {
    let count = match rng.below(100) {
        0..=14 => 0,
        15..=74 => 1,
        _ => 2,
    };
    let mut out = Vec::new();
    let bachelor_end = first_job_year.saturating_sub(rng.range(0, 1) as u16);
    let bachelor = Education {
        school_name: rng.pick(SCHOOLS).to_string(),
        degree_name: Some(rng.pick(BACHELORS).to_string()),
        field_of_study: Some(rng.pick(fields_of(function)).to_string()),
        start: Some(year_month(bachelor_end - rng.range(3, 4) as u16, None)),
        end: Some(year_month(bachelor_end, None)),
    };
    if count == 2 {
        let master_end = (bachelor_end + rng.range(2, 8) as u16).min(REFERENCE_YEAR);
        out.push(Education {
            school_name: rng.pick(SCHOOLS).to_string(),
            degree_name: Some(rng.pick(MASTERS).to_string()),
            field_of_study: Some(rng.pick(fields_of(function)).to_string()),
            start: Some(year_month(master_end - rng.range(1, 2) as u16, Some(9))),
            end: Some(year_month(master_end, month(rng))),
        });
    }
    if count >= 1 {
        out.push(bachelor);
    }
    out
}

fn headline(rng: &mut SplitMix64, title: &str, company: &str, function: Function) -> String {
    let tagline = rng.pick(taglines_of(function));
    match rng.below(4) {
        0 | 1 => format!("{title} at {company}"),
        2 => format!("{title} @ {company} | {tagline}"),
        _ => format!("{title} | {tagline}"),
    }
}

fn summary(
    rng: &mut SplitMix64,
    first: &str,
    career: &Career,
    industry: &str,
    city: &str,
) -> Option<String> {
    if rng.chance(20) {
        return None;
    }
    let years = REFERENCE_YEAR
        .saturating_sub(career.first_start_year)
        .max(1);
    let current = &career.positions[0];
    let earlier: Vec<&str> = career
        .positions
        .iter()
        .skip(1)
        .map(|p| p.company_name.as_str())
        .collect();
    let before = if earlier.is_empty() {
        String::new()
    } else {
        format!(" Before that: {}.", earlier.join(", "))
    };
    Some(match rng.below(3) {
        0 => format!(
            "{first} has {years} years of experience in {}. Currently {} at {}, based in {city}.",
            industry.to_lowercase(),
            current.title,
            current.company_name
        ),
        1 => format!(
            "I work as {} at {}.{before} Always happy to talk about {}.",
            current.title,
            current.company_name,
            industry.to_lowercase()
        ),
        _ => format!(
            "{}. {years}+ years across {}. Open to conversations with people in {city}.",
            rng.pick(taglines_of(career.function)),
            industry.to_lowercase(),
        ),
    })
}

fn profile_id(rng: &mut SplitMix64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut id = String::from("ACoAA");
    for _ in 0..34 {
        id.push(char::from(*rng.pick(ALPHABET)));
    }
    id
}

fn person(
    rng: &mut SplitMix64,
    index: usize,
    ids: &mut HashSet<String>,
    members: &mut HashSet<u64>,
) -> Person {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let handle = format!("{}-{}-{}", slug(first), slug(last), index);
    let loc = rng.pick(LOCATIONS);
    let career = career(
        rng,
        loc.name
            .rsplit_once(", ")
            .map(|(a, _)| a)
            .unwrap_or(loc.name),
    );
    let current = &career.positions[0];
    let industry_index = if rng.chance(80) {
        COMPANIES
            .iter()
            .find(|(n, _)| *n == current.company_name)
            .map(|(_, i)| *i)
            .unwrap_or(0)
    } else {
        rng.below(INDUSTRIES.len() as u64) as usize
    };
    let (industry_name, industry_id) = INDUSTRIES[industry_index];
    let title = current.title.clone();
    let company = current.company_name.clone();
    let headline = headline(rng, &title, &company, career.function);
    let city = loc.name.split(',').next().unwrap_or(loc.name);
    let summary = summary(rng, first, &career, industry_name, city);
    let educations = educations(rng, career.function, career.first_start_year);
    let mut pid = profile_id(rng);
    while !ids.insert(pid.clone()) {
        pid = profile_id(rng);
    }
    let mut member_id = rng.range(10_000_000, 999_999_999);
    while !members.insert(member_id) {
        member_id = rng.range(10_000_000, 999_999_999);
    }
    let distance = match rng.below(100) {
        0..=69 => Distance::Distance2,
        70..=91 => Distance::Distance3,
        _ => Distance::OutOfNetwork,
    };
    let ui_variant = match rng.below(100) {
        0..=69 => UiVariant::DirectConnect,
        70..=79 => UiVariant::FollowPrimaryConnectInMore,
        80..=86 => UiVariant::ConnectInMorePortal,
        87..=93 => UiVariant::Sdui,
        _ => UiVariant::NoConnect,
    };
    let message_variant = match rng.below(100) {
        0..=79 => MessageVariant::DirectButton,
        80..=91 => MessageVariant::OverflowOnly,
        _ => MessageVariant::None,
    };
    let relationship = match rng.below(100) {
        0..=84 => InitialRelationship::None,
        85..=89 => InitialRelationship::Pending,
        _ => InitialRelationship::Connected,
    };
    // Drawn as before acceptance depended on the profile, so the rest of a generated network
    // (every later draw) stays the same; who answers is decided by the person's own generator.
    let drawn_accept = if rng.chance(60) {
        Some(rng.range(10 * 60_000, 5 * 24 * 3_600_000))
    } else {
        None
    };
    let drawn_decline = if drawn_accept.is_none() && rng.chance(15) {
        Some(rng.range(24 * 3_600_000, 10 * 24 * 3_600_000))
    } else {
        None
    };
    let mut answers = SplitMix64::new(member_id ^ 0xACCE_97ED);
    let accept_after_ms = if answers.chance(acceptance_percent(career.level)) {
        Some(drawn_accept.unwrap_or_else(|| answers.range(10 * 60_000, 5 * 24 * 3_600_000)))
    } else {
        None
    };
    let decline_after_ms = if accept_after_ms.is_none() && answers.chance(15) {
        Some(drawn_decline.unwrap_or_else(|| answers.range(24 * 3_600_000, 10 * 24 * 3_600_000)))
    } else {
        None
    };
    let restricted = rng.chance(2);
    let email_required = rng.chance(3);
    let canonical_handle = if rng.chance(2) {
        Some(format!(
            "{}{}{}",
            slug(first).replace('-', ""),
            slug(last).replace('-', ""),
            index
        ))
    } else {
        None
    };
    let incoming = if relationship == InitialRelationship::Connected && rng.chance(30) {
        vec![format!(
            "Thanks for connecting! Great to meet you. – {first}"
        )]
    } else {
        Vec::new()
    };
    let without_country = loc
        .name
        .rsplit_once(", ")
        .map(|(a, _)| a)
        .unwrap_or(loc.name);
    Person {
        handle,
        first: first.to_string(),
        last: last.to_string(),
        headline,
        summary,
        location: loc.name.to_string(),
        geo: Geo {
            urn: format!("urn:li:fsd_geo:{}", loc.geo),
            name: loc.name.to_string(),
            name_without_country: without_country.to_string(),
        },
        country_code: loc.country.to_string(),
        industry: Some(Industry {
            urn: format!("urn:li:fsd_industry:{industry_id}"),
            name: industry_name.to_string(),
        }),
        positions: career.positions,
        educations,
        profile_id: pid,
        member_id,
        distance,
        ui_variant,
        message_variant,
        relationship,
        accept_after_ms,
        decline_after_ms,
        restricted,
        exists: true,
        canonical_handle,
        email_required,
        fixture: false,
        incoming,
        replies: Vec::new(),
    }
}

/// Seeded replies for the person at `index` (drawn from their own generator, so the rest of
/// a generated scenario is the same with or without them): a tenth answer the accepted
/// invitation before any message, a fifth the first message, a tenth the second; the answer
/// is interested, not interested, a request to stop, or an out-of-office, 30 minutes to two
/// days (sim clock) after what it answers.
pub fn replies_for(seed: u64, index: usize, first: &str) -> Vec<ReplyPlan> {
    let mut rng = SplitMix64::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let after = match rng.below(100) {
        0..=9 => ReplyAfter::Accepted,
        10..=29 => ReplyAfter::Message(1),
        30..=39 => ReplyAfter::Message(2),
        _ => return Vec::new(),
    };
    let (kind, text) = match rng.below(100) {
        0..=39 => (
            ReplyKind::Interested,
            format!(
                "Hi, thanks for reaching out! Happy to learn more, does Thursday work? – {first}"
            ),
        ),
        40..=64 => (
            ReplyKind::NotInterested,
            "Thanks, but this is not a priority for us right now.".to_string(),
        ),
        65..=79 => (
            ReplyKind::Stop,
            "Please stop messaging me and remove me from your list.".to_string(),
        ),
        _ => (
            ReplyKind::OutOfOffice,
            format!(
                "I am out of the office until Monday with limited access to messages. – {first}"
            ),
        ),
    };
    vec![ReplyPlan {
        after,
        delay_ms: rng.range(30 * 60_000, 2 * 24 * 3_600_000),
        text,
        kind,
    }]
}

/// [`generate`] with seeded replies ([`replies_for`]) for every person.
pub fn generate_with_replies(seed: u64, people: usize) -> Scenario {
    let mut scenario = generate(seed, people);
    for (i, p) in scenario.people.iter_mut().enumerate() {
        p.replies = replies_for(seed, i + 1, &p.first);
    }
    scenario
}

/// How far apart the handle numbers of two simulated accounts' networks are.
pub const ACCOUNT_STRIDE: usize = 100_000;

/// The login of simulated account `account` (from 0): `viewer@outlane.test`, then
/// `viewer2@outlane.test`, `viewer3@…`.
pub fn viewer_email(account: usize) -> String {
    if account == 0 {
        VIEWER_EMAIL.to_string()
    } else {
        format!("viewer{}@outlane.test", account + 1)
    }
}

/// The network of simulated account `account` (from 0): [`generate_with_replies`] from its own
/// seed, its own login ([`viewer_email`], the same password), and handle numbers from
/// `account` × [`ACCOUNT_STRIDE`], so no two accounts' people share a handle. Account 0 is
/// exactly `generate_with_replies(seed, people)`.
pub fn generate_account(seed: u64, people: usize, account: usize) -> Scenario {
    let seed = seed.wrapping_add(account as u64 * 0x9E37_79B9);
    let mut scenario = generate_numbered(seed, people, account * ACCOUNT_STRIDE);
    scenario.viewer.email = viewer_email(account);
    for (i, p) in scenario.people.iter_mut().enumerate() {
        p.replies = replies_for(seed, i + 1, &p.first);
    }
    scenario
}

/// A deterministic scenario with `people` generated people (handles `first-last-<n>`, n = 1…)
/// and a generated viewer (`viewer@outlane.test` / `outlane-sim-password`, handle `…-0`).
pub fn generate(seed: u64, people: usize) -> Scenario {
    generate_numbered(seed, people, 0)
}

/// [`generate`] with handle numbers from `first` (the viewer) on.
fn generate_numbered(seed: u64, people: usize, first: usize) -> Scenario {
    let mut rng = SplitMix64::new(seed);
    let mut ids = HashSet::new();
    let mut members = HashSet::new();
    let mut viewer = person(&mut rng, first, &mut ids, &mut members);
    viewer.relationship = InitialRelationship::None;
    viewer.accept_after_ms = None;
    viewer.decline_after_ms = None;
    viewer.restricted = false;
    viewer.canonical_handle = None;
    viewer.email_required = false;
    viewer.incoming.clear();
    let list = (1..=people)
        .map(|i| person(&mut rng, first + i, &mut ids, &mut members))
        .collect();
    let mut scenario = Scenario::with_people(
        Viewer {
            email: VIEWER_EMAIL.to_string(),
            password: VIEWER_PASSWORD.to_string(),
            profile: viewer,
        },
        list,
    );
    // Generated data is already complete; normalising only lower-cases country codes.
    if scenario.normalize().is_err() {
        tracing::warn!("generated scenario failed validation");
    }
    scenario
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_large_enough() {
        assert!(FIRST_NAMES.len() >= 30);
        assert!(LAST_NAMES.len() >= 30);
        assert!(INDUSTRIES.len() >= 15);
        assert!(COMPANIES.len() >= 40);
        assert!(TITLES.len() >= 25);
        assert!(LOCATIONS.len() >= 15);
        let countries: HashSet<_> = LOCATIONS.iter().map(|l| l.country).collect();
        assert!(countries.len() >= 10);
        let companies: HashSet<_> = COMPANIES.iter().map(|c| c.0).collect();
        assert_eq!(companies.len(), COMPANIES.len());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("José"), "jose");
        assert_eq!(slug("de Vries"), "de-vries");
        assert_eq!(slug("O'Brien"), "obrien");
        assert_eq!(slug("Müller"), "muller");
        assert_eq!(slug("Zoë"), "zoe");
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 1234567 (reference implementation by Vigna).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }
}
