use super::*;

fn at(hour: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0)
        .single()
        .expect("valid time")
}

fn input<'a>(title: &'a str, summary: &'a str, hour: u32) -> MergeInput<'a> {
    MergeInput {
        source: title,
        title,
        summary,
        published: at(hour),
    }
}

fn background() -> Vec<MergeInput<'static>> {
    vec![
        input(
            "Potato harvest hits record in Idaho",
            "Farmers cheered a bumper crop.",
            1,
        ),
        input(
            "City council approves new bike lanes",
            "The vote passed 7-2.",
            2,
        ),
        input(
            "Rain expected across the region",
            "Forecasters warn of flooding.",
            3,
        ),
        input(
            "Local team wins championship",
            "Fans celebrated downtown.",
            4,
        ),
        input(
            "Museum opens modern art wing",
            "The wing cost $12 million.",
            5,
        ),
    ]
}

#[test]
fn differently_worded_coverage_merges() {
    let mut inputs = background();
    inputs.push(input(
        "DeepSeek-V4 released with 1 trillion parameters",
        "DeepSeek released its V4 model on Monday.",
        6,
    ));
    inputs.push(input(
        "DeepSeek V4 arrives: open weights, 1T parameters",
        "The Chinese lab DeepSeek published V4 weights.",
        7,
    ));
    inputs.push(input(
        "OpenAI raises $40 billion led by SoftBank",
        "OpenAI closed a $40B round.",
        8,
    ));
    inputs.push(input(
        "SoftBank leads $40B OpenAI funding round",
        "The round values OpenAI at $300B.",
        9,
    ));
    let clusters = merge(&inputs, &Gazetteer::default()).clusters;
    assert!(clusters.contains(&vec![5, 6]), "{clusters:?}");
    assert!(clusters.contains(&vec![7, 8]), "{clusters:?}");
}

#[test]
fn same_company_different_events_stay_apart() {
    let mut inputs = background();
    inputs.push(input(
        "Nvidia reports record quarterly revenue of $39 billion",
        "Data center sales drove results.",
        6,
    ));
    inputs.push(input(
        "Nvidia unveils Spectrum-X networking switch",
        "The switch links GPU clusters.",
        7,
    ));
    inputs.push(input(
        "Anthropic raises $2 billion",
        "Investors valued Anthropic at $60B.",
        8,
    ));
    inputs.push(input(
        "Anthropic raises $500 million from Google",
        "Google added to its stake.",
        9,
    ));
    let clusters = merge(&inputs, &Gazetteer::default()).clusters;
    assert_eq!(clusters.len(), inputs.len(), "{clusters:?}");
}
