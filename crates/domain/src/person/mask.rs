//! Masking of personal numbers for lists, pages and logs: the middle is hidden, the ends
//! stay so that a clerk can tell two people apart and a person can recognise their own.

/// Keeps `front` and `back` characters and replaces the rest with `*`. When the string is
/// too short to keep both ends and hide at least a third, the longer end gives way.
pub fn mask_middle(s: &str, front: usize, back: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let keep = n - n.div_ceil(3);
    let (mut front, mut back) = (front, back);
    while front + back > keep {
        if front > back {
            front -= 1;
        } else {
            back -= 1;
        }
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < front || i >= n - back { *c } else { '*' })
        .collect()
}

/// An identity document number: 110101********123X for an 18-character number.
pub fn mask_identity(number: &str) -> String {
    mask_middle(number, 6, 4)
}

/// A phone number: 138****5678.
pub fn mask_phone(number: &str) -> String {
    mask_middle(number, 3, 4)
}

/// A person's name: the family name stays (张**), as public listings do.
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    if n <= 1 {
        return "*".to_string();
    }
    name.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_shapes() {
        assert_eq!(mask_identity("11010519491231002X"), "110105********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_name("欧阳修"), "欧**");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_identity("E12345678"), "E12***678");
    }

    #[test]
    fn short_numbers_still_hide_a_third() {
        assert_eq!(mask_identity("E1234567"), "E12***67");
        assert_eq!(mask_identity("AB"), "A*");
        assert_eq!(mask_identity(""), "");
    }

    proptest! {
        #[test]
        fn length_is_kept_and_at_least_a_third_is_hidden(s in "[0-9A-Z]{0,24}") {
            let m = mask_identity(&s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
            let hidden = m.chars().filter(|c| *c == '*').count();
            prop_assert!(hidden * 3 >= s.chars().count());
        }

        #[test]
        fn shown_characters_are_the_original_ones(s in "[0-9X]{0,24}") {
            let m = mask_identity(&s);
            for (a, b) in s.chars().zip(m.chars()) {
                prop_assert!(b == '*' || a == b);
            }
        }

        #[test]
        fn eighteen_digit_numbers_never_show_the_birth_date(s in "[0-9]{17}[0-9X]") {
            let m = mask_identity(&s);
            prop_assert_eq!(&m[6..14], "********");
        }

        #[test]
        fn names_keep_only_the_first_character(s in "\\PC{1,8}") {
            let m = mask_name(&s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
            prop_assert!(m.chars().skip(1).all(|c| c == '*'));
        }
    }
}
